#include "scan/finding_json.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace ward::scan {
namespace {

using nlohmann::json;

// nlohmann's exception ids for the errors we raise ourselves: 302 is its "type must be …",
// 403 its "key not found"; 599 is ours for values of the right type that make no sense.
constexpr int kTypeError = 302;
constexpr int kKeyNotFound = 403;
constexpr int kBadValue = 599;

[[noreturn]] void bad_value(const json& j, const std::string& what) {
  throw json::other_error::create(kBadValue, what, &j);
}

const json& member(const json& j, const char* key) {
  if (!j.is_object()) {
    throw json::type_error::create(kTypeError,
                                   std::string("expected an object, but got ") + j.type_name(), &j);
  }
  auto it = j.find(key);
  if (it == j.end()) {
    throw json::out_of_range::create(kKeyNotFound, std::string("key '") + key + "' not found", &j);
  }
  return *it;
}

const json* optional_member(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

// nlohmann's own get<uint32_t>() wraps negative numbers and truncates fractions; this refuses
// both, and numbers that do not fit.
uint32_t get_u32(const json& j, const char* key) {
  const json& v = member(j, key);
  uint64_t value = 0;
  if (v.is_number_unsigned()) {
    value = v.get<uint64_t>();
  } else if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    value = static_cast<uint64_t>(v.get<int64_t>());
  } else {
    throw json::type_error::create(
        kTypeError,
        std::string("'") + key + "' must be a non-negative integer, but is " +
            (v.is_number() ? "a negative or fractional number" : v.type_name()),
        &v);
  }
  if (value > std::numeric_limits<uint32_t>::max()) {
    bad_value(v, std::string("'") + key + "' is " + std::to_string(value) + ", more than 2^32-1");
  }
  return static_cast<uint32_t>(value);
}

std::string get_string(const json& j, const char* key) {
  const json& v = member(j, key);
  if (!v.is_string()) {
    throw json::type_error::create(
        kTypeError, std::string("'") + key + "' must be a string, but is " + v.type_name(), &v);
  }
  return v.get<std::string>();
}

const json& get_array(const json& j, const char* key) {
  const json& v = member(j, key);
  if (!v.is_array()) {
    throw json::type_error::create(
        kTypeError, std::string("'") + key + "' must be an array, but is " + v.type_name(), &v);
  }
  return v;
}

// "[json.exception.type_error.302] type must be …" → "type must be …".
std::string exception_sentence(const json::exception& e) {
  std::string_view what = e.what();
  if (!what.empty() && what.front() == '[') {
    auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

template <typename T>
core::Result<std::vector<T>> array_from_json(const json& j, const char* name, const char* what) {
  if (!j.is_array()) {
    return core::Error(core::Code::kInvalidArgument, name,
                       std::string("expected an array of ") + what + ", but got " + j.type_name());
  }
  std::vector<T> out;
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    try {
      out.push_back(j[i].get<T>());
    } catch (const json::exception& e) {
      return core::Error(core::Code::kInvalidArgument,
                         std::string(name) + "[" + std::to_string(i) + "]", exception_sentence(e));
    }
  }
  return out;
}

}  // namespace

void to_json(json& j, Severity severity) {
  j = std::string(severity_name(severity));
}

void from_json(const json& j, Severity& severity) {
  if (!j.is_string()) {
    throw json::type_error::create(
        kTypeError, std::string("a severity must be a string, but is ") + j.type_name(), &j);
  }
  auto parsed = parse_severity(j.get_ref<const std::string&>());
  if (!parsed) {
    bad_value(j, "unknown severity '" + j.get<std::string>() +
                     "' (expected info, low, medium, high or critical)");
  }
  severity = *parsed;
}

void to_json(json& j, Confidence confidence) {
  j = std::string(confidence_name(confidence));
}

void from_json(const json& j, Confidence& confidence) {
  if (!j.is_string()) {
    throw json::type_error::create(
        kTypeError, std::string("a confidence must be a string, but is ") + j.type_name(), &j);
  }
  auto parsed = parse_confidence(j.get_ref<const std::string&>());
  if (!parsed) {
    bad_value(j,
              "unknown confidence '" + j.get<std::string>() + "' (expected low, medium or high)");
  }
  confidence = *parsed;
}

void to_json(json& j, const Span& span) {
  j = json{{"start_line", span.start_line}, {"start_column", span.start_column},
           {"end_line", span.end_line},     {"end_column", span.end_column},
           {"start_byte", span.start_byte}, {"end_byte", span.end_byte}};
}

void from_json(const json& j, Span& span) {
  Span s;
  s.start_line = get_u32(j, "start_line");
  s.start_column = get_u32(j, "start_column");
  s.end_line = get_u32(j, "end_line");
  s.end_column = get_u32(j, "end_column");
  s.start_byte = get_u32(j, "start_byte");
  s.end_byte = get_u32(j, "end_byte");
  if (s.start_line == 0 || s.start_column == 0 || s.end_line == 0 || s.end_column == 0) {
    bad_value(j, "lines and columns count from 1, but the span has a 0");
  }
  if (s.end_line < s.start_line || (s.end_line == s.start_line && s.end_column < s.start_column)) {
    bad_value(j, "the span ends (line " + std::to_string(s.end_line) + ", column " +
                     std::to_string(s.end_column) + ") before it starts (line " +
                     std::to_string(s.start_line) + ", column " + std::to_string(s.start_column) +
                     ")");
  }
  if (s.end_byte < s.start_byte) {
    bad_value(j, "the span's end_byte " + std::to_string(s.end_byte) +
                     " is before its start_byte " + std::to_string(s.start_byte));
  }
  span = s;
}

void to_json(json& j, const Edit& edit) {
  j = json{{"start_byte", edit.start_byte},
           {"end_byte", edit.end_byte},
           {"replacement", edit.replacement}};
}

void from_json(const json& j, Edit& edit) {
  Edit e;
  e.start_byte = get_u32(j, "start_byte");
  e.end_byte = get_u32(j, "end_byte");
  e.replacement = get_string(j, "replacement");
  if (e.end_byte < e.start_byte) {
    bad_value(j, "the edit's end_byte " + std::to_string(e.end_byte) +
                     " is before its start_byte " + std::to_string(e.start_byte));
  }
  edit = std::move(e);
}

void to_json(json& j, const Fix& fix) {
  j = json{{"description", fix.description}, {"edits", fix.edits}};
  if (!fix.proposed_by.empty()) j["proposed_by"] = fix.proposed_by;
}

void from_json(const json& j, Fix& fix) {
  Fix f;
  f.description = get_string(j, "description");
  for (const json& e : get_array(j, "edits")) f.edits.push_back(e.get<Edit>());
  if (optional_member(j, "proposed_by") != nullptr) f.proposed_by = get_string(j, "proposed_by");
  fix = std::move(f);
}

void to_json(json& j, const TraceStep& step) {
  j = json{{"span", step.span}, {"message", step.message}};
}

void from_json(const json& j, TraceStep& step) {
  TraceStep s;
  s.span = member(j, "span").get<Span>();
  s.message = get_string(j, "message");
  step = std::move(s);
}

void to_json(json& j, const Finding& finding) {
  j = json{{"rule", finding.rule_id},      {"file", finding.file.generic_string()},
           {"span", finding.span},         {"message", finding.message},
           {"severity", finding.severity}, {"confidence", finding.confidence},
           {"snippet", finding.snippet},   {"fingerprint", finding.fingerprint}};
  if (!finding.trace.empty()) j["trace"] = finding.trace;
  if (finding.fix) j["fix"] = *finding.fix;
}

void from_json(const json& j, Finding& finding) {
  Finding f;
  f.rule_id = get_string(j, "rule");
  if (f.rule_id.empty()) bad_value(j, "'rule' is empty");
  f.file = get_string(j, "file");
  if (f.file.empty()) bad_value(j, "'file' is empty");
  f.span = member(j, "span").get<Span>();
  f.message = get_string(j, "message");
  f.severity = member(j, "severity").get<Severity>();
  f.confidence = member(j, "confidence").get<Confidence>();
  f.snippet = get_string(j, "snippet");
  f.fingerprint = get_string(j, "fingerprint");
  if (optional_member(j, "trace") != nullptr) {
    for (const json& step : get_array(j, "trace")) f.trace.push_back(step.get<TraceStep>());
  }
  if (const json* fix = optional_member(j, "fix")) f.fix = fix->get<Fix>();
  finding = std::move(f);
}

void to_json(json& j, const Skipped& skipped) {
  j = json{{"file", skipped.file.generic_string()}, {"reason", skipped.reason}};
}

void from_json(const json& j, Skipped& skipped) {
  Skipped s;
  s.file = get_string(j, "file");
  if (s.file.empty()) bad_value(j, "'file' is empty");
  s.reason = get_string(j, "reason");
  skipped = std::move(s);
}

core::Result<std::vector<Finding>> findings_from_json(const json& j) {
  return array_from_json<Finding>(j, "findings", "findings");
}

core::Result<std::vector<Skipped>> skipped_from_json(const json& j) {
  return array_from_json<Skipped>(j, "skipped", "skipped files");
}

}  // namespace ward::scan
