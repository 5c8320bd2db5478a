#include "gov/keys/json.h"

#include <fmt/format.h>

namespace ward::gov {

using nlohmann::json;

namespace {

json optional_text(const std::optional<std::string>& text) {
  return text ? json(*text) : json(nullptr);
}

}  // namespace

json key_status_json(const KeyStatus& status, const std::string& tenant_name) {
  json versions = json::array();
  for (const auto& v : status.versions) {
    versions.push_back({{"version", v.version},
                        {"origin", origin_name(v.origin)},
                        {"state", state_name(v.state)},
                        {"material_present", v.material_present},
                        {"created_at", v.created_at},
                        {"revoked_at", optional_text(v.revoked_at)},
                        {"data_keys", v.data_keys}});
  }
  return {{"tenant", tenant_name},
          {"destroyed_at", optional_text(status.destroyed_at)},
          {"versions", std::move(versions)},
          {"data_keys", status.data_keys},
          {"active_data_keys", status.active_data_keys}};
}

json key_change_json(const KeyChange& change, const std::string& tenant_name) {
  return {{"tenant", tenant_name},
          {"operation", change.operation},
          {"kek_version", change.kek_version},
          {"description", change.description}};
}

json rewrap_report_json(const RewrapReport& report, const std::string& tenant_name) {
  std::string description = fmt::format(
      "re-wrapped {} of {} data keys under version {} of the key-encryption key ({} were "
      "current already",
      report.rewrapped, report.data_keys, report.kek_version, report.already_current);
  if (report.unavailable > 0) {
    description +=
        fmt::format("; {} wrapped by revoked versions were left as they were", report.unavailable);
  }
  return {{"tenant", tenant_name},
          {"operation", "rewrap"},
          {"kek_version", report.kek_version},
          {"data_keys", report.data_keys},
          {"rewrapped", report.rewrapped},
          {"already_current", report.already_current},
          {"unavailable", report.unavailable},
          {"description", description + ")"}};
}

}  // namespace ward::gov
