#include "core/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/file.h"
#include "core/toml_types.h"

extern char** environ;

namespace ward::core {
namespace fs = std::filesystem;
namespace {

// Makes a relative path absolute against the directory its setting came from.
fs::path resolve(const std::string& value, const fs::path& base_dir) {
  fs::path path(value);
  return path.is_absolute() ? path.lexically_normal() : (base_dir / path).lexically_normal();
}

Status set_path(fs::path& target, const std::string& value, const fs::path& base_dir,
                std::string_view key) {
  if (value.empty()) {
    return Error(Code::kInvalidArgument, "", fmt::format("{} must not be empty", key));
  }
  target = resolve(value, base_dir);
  return {};
}

// The [oidc] settings live in an optional part of the Config that the first of them creates.
OidcSettings& oidc(Config& c) {
  if (!c.oidc) c.oidc.emplace();
  return *c.oidc;
}

// A list given as one string: words separated by white space (a variable; the file's arrays are
// joined the same way before they get here).
Status set_words(std::vector<std::string>& target, const std::string& value) {
  std::vector<std::string> words;
  std::string word;
  for (char c : value + " ") {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  target = std::move(words);
  return {};
}

Status set_text(std::string& target, const std::string& value, std::string_view key) {
  if (value.empty()) {
    return Error(Code::kInvalidArgument, "", fmt::format("{} must not be empty", key));
  }
  target = value;
  return {};
}

Status set_minutes(std::int64_t& target, const std::string& value, std::int64_t min,
                   std::int64_t max, std::string_view key) {
  std::int64_t minutes = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), minutes);
  if (ec != std::errc() || end != value.data() + value.size() || minutes < min || minutes > max) {
    return Error(Code::kInvalidArgument, "",
                 fmt::format("{} must be a whole number of minutes from {} to {}", key, min, max));
  }
  target = minutes;
  return {};
}

// The longest sign-in session that may be configured: 30 days.
constexpr std::int64_t kMaxSessionMinutes = 30 * 24 * 60;

// A setting: its dotted key (documented in docs/configuration.md) and how to validate and store a
// value for it.
struct Setting {
  std::string_view key;
  Status (*apply)(Config&, const std::string& value, const fs::path& base_dir);
};

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"data_dir", [](Config& c, const std::string& v,
                      const fs::path& base) { return set_path(c.data_dir, v, base, "data_dir"); }},
      {"server.listen",
       [](Config& c, const std::string& v, const fs::path&) -> Status {
         auto address = parse_listen_address(v);
         if (!address) return address.error();
         c.server.listen = v;
         return {};
       }},
      {"server.tls_cert",
       [](Config& c, const std::string& v, const fs::path& base) {
         return set_path(c.server.tls_cert, v, base, "server.tls_cert");
       }},
      {"server.tls_key",
       [](Config& c, const std::string& v, const fs::path& base) {
         return set_path(c.server.tls_key, v, base, "server.tls_key");
       }},
      {"server.tls_client_ca",
       [](Config& c, const std::string& v, const fs::path& base) {
         return set_path(c.server.tls_client_ca, v, base, "server.tls_client_ca");
       }},
      {"log.level",
       [](Config& c, const std::string& v, const fs::path&) -> Status {
         if (auto status = check_log_level(v); !status) return status;
         c.log.level = v;
         return {};
       }},
      {"log.format",
       [](Config& c, const std::string& v, const fs::path&) -> Status {
         auto format = parse_log_format(v);
         if (!format) return format.error();
         c.log.format = *format;
         return {};
       }},
      {"region",
       [](Config& c, const std::string& v, const fs::path&) -> Status {
         if (v.empty()) return Error(Code::kInvalidArgument, "", "region must not be empty");
         c.region = v;
         return {};
       }},
      {"default_model",
       [](Config& c, const std::string& v, const fs::path&) -> Status {
         return set_text(c.default_model, v, "default_model");
       }},
      {"keys.master_key_file",
       [](Config& c, const std::string& v, const fs::path& base) {
         return set_path(c.keys.master_key_file, v, base, "keys.master_key_file");
       }},
      {"oidc.issuer", [](Config& c, const std::string& v,
                         const fs::path&) { return set_text(oidc(c).issuer, v, "oidc.issuer"); }},
      {"oidc.client_id",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_text(oidc(c).client_id, v, "oidc.client_id");
       }},
      {"oidc.client_secret_file",
       [](Config& c, const std::string& v, const fs::path& base) {
         return set_path(oidc(c).client_secret_file, v, base, "oidc.client_secret_file");
       }},
      {"oidc.token_endpoint_auth_method",
       [](Config& c, const std::string& v, const fs::path&) -> Status {
         oidc(c).token_endpoint_auth_method = v;
         return {};
       }},
      {"oidc.redirect_uri",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_text(oidc(c).redirect_uri, v, "oidc.redirect_uri");
       }},
      {"oidc.scopes", [](Config& c, const std::string& v,
                         const fs::path&) { return set_words(oidc(c).scopes.emplace(), v); }},
      {"oidc.required_acr_values",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_words(oidc(c).required_acr_values, v);
       }},
      {"oidc.required_amr_values",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_words(oidc(c).required_amr_values, v);
       }},
      {"oidc.groups_claim",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_text(oidc(c).groups_claim.emplace(), v, "oidc.groups_claim");
       }},
      {"oidc.id_token_algorithms",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_words(oidc(c).id_token_algorithms.emplace(), v);
       }},
      {"oidc.ca_bundle",
       [](Config& c, const std::string& v, const fs::path& base) {
         return set_path(oidc(c).ca_bundle, v, base, "oidc.ca_bundle");
       }},
      {"oidc.tenant", [](Config& c, const std::string& v,
                         const fs::path&) { return set_text(oidc(c).tenant, v, "oidc.tenant"); }},
      {"oidc.session_lifetime_minutes",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_minutes(oidc(c).session_lifetime_minutes, v, 1, kMaxSessionMinutes,
                            "oidc.session_lifetime_minutes");
       }},
      {"oidc.session_idle_minutes",
       [](Config& c, const std::string& v, const fs::path&) {
         return set_minutes(oidc(c).session_idle_minutes, v, 0, kMaxSessionMinutes,
                            "oidc.session_idle_minutes");
       }},
  };
  return table;
}

const Setting* find_setting(std::string_view key) {
  for (const auto& setting : settings()) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

std::string env_name(std::string_view key) {
  std::string name = "WARD_";
  for (char c : key) name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(c)));
  return name;
}

std::string known_keys() {
  std::string keys;
  for (const auto& setting : settings()) {
    if (setting.key.starts_with("oidc.")) continue;  // listed by an error inside [oidc]
    keys += (keys.empty() ? "" : ", ") + std::string(setting.key);
  }
  return keys + ", and the tables [regions], [tiers.NAME], [models.NAME] and [oidc]";
}

Error wrong_type(const std::string& where, const std::string& key, const toml::node& node,
                 std::string_view expected) {
  return Error(Code::kInvalidArgument, where,
               fmt::format("`{}` must be {}, not {}", key, expected, toml_type_name(node)));
}

std::string line_of(const fs::path& file, const toml::node& node) {
  return fmt::format("{}:{}", file.string(), node.source().begin.line);
}

// [regions]: each key is a region label, each value the geography it belongs to.
Status apply_regions(const toml::table& table, const fs::path& file, Config& config) {
  for (const auto& [name, node] : table) {
    const std::string key = "regions." + std::string(name.str());
    if (!node.is_string()) return wrong_type(line_of(file, node), key, node, "a geography name");
    config.region_geographies[std::string(name.str())] = node.as_string()->get();
  }
  return {};
}

// One field of a [tiers.NAME] table: its name and where it goes.
struct TierField {
  std::string_view name;
  std::optional<bool> TierConfig::*flag = nullptr;            // for boolean fields
  std::optional<std::int64_t> TierConfig::*number = nullptr;  // for counts, at least 0
};

constexpr TierField kTierFields[] = {
    {"store_content", &TierConfig::store_content, nullptr},
    {"user_opt_out_allowed", &TierConfig::user_opt_out_allowed, nullptr},
    {"byok", &TierConfig::byok, nullptr},
    {"retention_days", nullptr, &TierConfig::retention_days},
    {"requests_per_minute", nullptr, &TierConfig::requests_per_minute},
    {"tokens_per_day", nullptr, &TierConfig::tokens_per_day},
};

Status apply_tier_field(const std::string& key, const toml::node& node, const TierField& field,
                        const std::string& where, TierConfig& tier) {
  if (field.flag != nullptr) {
    if (!node.is_boolean()) return wrong_type(where, key, node, "true or false");
    tier.*field.flag = node.as_boolean()->get();
    return {};
  }
  if (!node.is_integer()) return wrong_type(where, key, node, "an integer");
  const std::int64_t value = node.as_integer()->get();
  if (value < 0)
    return Error(Code::kInvalidArgument, where, fmt::format("`{}` must not be negative", key));
  tier.*field.number = value;
  return {};
}

// [tiers.NAME] tables: overrides of the built-in tier profiles, or new ones.
Status apply_tiers(const toml::table& table, const fs::path& file, Config& config) {
  for (const auto& [tier_name, tier_node] : table) {
    const std::string prefix = "tiers." + std::string(tier_name.str());
    if (!tier_node.is_table())
      return wrong_type(line_of(file, tier_node), prefix, tier_node, "a table");
    TierConfig& tier = config.tiers[std::string(tier_name.str())];
    for (const auto& [field_name, node] : *tier_node.as_table()) {
      const std::string key = prefix + "." + std::string(field_name.str());
      const TierField* field = nullptr;
      for (const auto& candidate : kTierFields) {
        if (candidate.name == field_name.str()) field = &candidate;
      }
      if (field == nullptr) {
        return Error(Code::kInvalidArgument, line_of(file, node),
                     fmt::format("unknown tier setting `{}`; known: store_content, "
                                 "user_opt_out_allowed, byok, retention_days, "
                                 "requests_per_minute, tokens_per_day",
                                 key));
      }
      if (auto status = apply_tier_field(key, node, *field, line_of(file, node), tier); !status) {
        return status;
      }
    }
  }
  return {};
}

// One [models.NAME] table.
Status apply_model(const std::string& prefix, const toml::table& table, const fs::path& file,
                   ModelConfig& model) {
  struct Number {
    std::string_view name;
    std::int64_t ModelConfig::*field;
    std::int64_t low, high;
  };
  static constexpr Number kNumbers[] = {
      {"context", &ModelConfig::context, 0, 1 << 20},
      {"threads", &ModelConfig::threads, 0, 256},
      {"slots", &ModelConfig::slots, 1, 256},
      {"connect_timeout_ms", &ModelConfig::connect_timeout_ms, 1, 600000},
      {"read_timeout_ms", &ModelConfig::read_timeout_ms, 1, 3600000},
      {"retries", &ModelConfig::retries, 0, 10},
  };
  for (const auto& [field_name, node] : table) {
    const std::string field(field_name.str());
    const std::string key = prefix + "." + field;
    const std::string where = line_of(file, node);
    if (const auto* number = std::find_if(std::begin(kNumbers), std::end(kNumbers),
                                          [&](const Number& n) { return n.name == field; });
        number != std::end(kNumbers)) {
      if (!node.is_integer()) return wrong_type(where, key, node, "an integer");
      const std::int64_t value = node.as_integer()->get();
      if (value < number->low || value > number->high) {
        return Error(Code::kInvalidArgument, where,
                     fmt::format("`{}` must be from {} to {}, got {}", key, number->low,
                                 number->high, value));
      }
      model.*number->field = value;
      continue;
    }
    if (!node.is_string()) {
      if (field == "path" || field == "url" || field == "fim" || field == "region" ||
          field == "upstream_model" || field == "api_key_file" || field == "ca_bundle" ||
          field == "proxy") {
        return wrong_type(where, key, node, "a string");
      }
    }
    const std::string value = node.is_string() ? node.as_string()->get() : std::string();
    Status status;
    if (field == "path" || field == "api_key_file" || field == "ca_bundle") {
      fs::path& target = field == "path"           ? model.path
                         : field == "api_key_file" ? model.api_key_file
                                                   : model.ca_bundle;
      status = set_path(target, value, file.parent_path(), key);
    } else if (field == "url" || field == "fim" || field == "region" || field == "upstream_model" ||
               field == "proxy") {
      std::string& target = field == "url"              ? model.url
                            : field == "fim"            ? model.fim
                            : field == "region"         ? model.region
                            : field == "upstream_model" ? model.upstream_model
                                                        : model.proxy;
      status = set_text(target, value, key);
    } else {
      return Error(Code::kInvalidArgument, where,
                   fmt::format("unknown model setting `{}`; known: path or url, fim, context, "
                               "threads, slots, region, upstream_model, api_key_file, ca_bundle, "
                               "proxy, connect_timeout_ms, read_timeout_ms, retries",
                               key));
    }
    if (!status) return Error(Code::kInvalidArgument, where, status.error().message());
  }
  if (model.path.empty() == model.url.empty()) {
    return Error(Code::kInvalidArgument, line_of(file, table),
                 fmt::format("`{}` needs either a `path` to a GGUF file or the `url` of an "
                             "OpenAI-compatible server (not both)",
                             prefix));
  }
  return {};
}

// [models.NAME] tables: the models `ward serve` offers.
Status apply_models(const toml::table& table, const fs::path& file, Config& config) {
  for (const auto& [name, node] : table) {
    const std::string prefix = "models." + std::string(name.str());
    if (!node.is_table()) return wrong_type(line_of(file, node), prefix, node, "a table");
    ModelConfig& model = config.models[std::string(name.str())];
    if (auto status = apply_model(prefix, *node.as_table(), file, model); !status) return status;
  }
  return {};
}

// [oidc] settings that are lists (arrays of strings in the file, words in a variable) and whole
// numbers (integers in the file, digits in a variable).
bool is_oidc_list(std::string_view key) {
  return key == "oidc.scopes" || key == "oidc.required_acr_values" ||
         key == "oidc.required_amr_values" || key == "oidc.id_token_algorithms";
}
bool is_oidc_number(std::string_view key) {
  return key == "oidc.session_lifetime_minutes" || key == "oidc.session_idle_minutes";
}

std::string known_oidc_keys() {
  std::string keys;
  for (const auto& setting : settings()) {
    if (setting.key.starts_with("oidc.")) keys += std::string(setting.key.substr(5)) + ", ";
  }
  return keys + "group_roles";
}

// An array of non-empty strings without white space (for a list setting or a group's roles).
Result<std::vector<std::string>> word_array(const toml::node& node, const std::string& key,
                                            const std::string& where) {
  if (!node.is_array()) return wrong_type(where, key, node, "an array of strings");
  std::vector<std::string> words;
  for (const toml::node& item : *node.as_array()) {
    if (!item.is_string()) return wrong_type(where, key, node, "an array of strings");
    const std::string& word = item.as_string()->get();
    if (word.empty() || std::any_of(word.begin(), word.end(), [](char c) {
          return std::isspace(static_cast<unsigned char>(c)) != 0;
        })) {
      return Error(Code::kInvalidArgument, where,
                   fmt::format("`{}`: each entry must be one non-empty word without spaces", key));
    }
    words.push_back(word);
  }
  return words;
}

// [oidc.group_roles]: each key is a group name as the provider sends it, each value the Ward roles
// that group grants.
Status apply_group_roles(const toml::node& node, const fs::path& file, Config& config) {
  if (!node.is_table()) {
    return wrong_type(line_of(file, node), "oidc.group_roles", node,
                      "a table of group = [\"role\", …]");
  }
  auto& group_roles = oidc(config).group_roles;
  for (const auto& [group, roles] : *node.as_table()) {
    const std::string key = "oidc.group_roles." + std::string(group.str());
    auto words = word_array(roles, key, line_of(file, roles));
    if (!words) return words.error();
    group_roles[std::string(group.str())] = std::move(*words);
  }
  return {};
}

// [oidc]: single sign-on. A table of its own because some of its values are arrays, numbers and
// a table, where every other setting is a string.
Status apply_oidc(const toml::table& table, const fs::path& file, Config& config) {
  oidc(config);  // an [oidc] table, even an empty one, asks for single sign-on
  for (const auto& [name, node] : table) {
    const std::string key = "oidc." + std::string(name.str());
    const std::string where = line_of(file, node);
    if (key == "oidc.client_secret") {
      return Error(Code::kInvalidArgument, where,
                   "`oidc.client_secret`: a secret never goes into the configuration file; put "
                   "it in a file only Ward's user can read (chmod 600) and set "
                   "oidc.client_secret_file to its path");
    }
    if (key == "oidc.group_roles") {
      if (auto status = apply_group_roles(node, file, config); !status) return status;
      continue;
    }
    const Setting* setting = find_setting(key);
    if (setting == nullptr) {
      return Error(
          Code::kInvalidArgument, where,
          fmt::format("unknown setting `{}`; known [oidc] settings: {}", key, known_oidc_keys()));
    }
    std::string value;
    if (is_oidc_list(key)) {
      auto words = word_array(node, key, where);
      if (!words) return words.error();
      for (const auto& word : *words) value += (value.empty() ? "" : " ") + word;
    } else if (is_oidc_number(key)) {
      if (!node.is_integer()) return wrong_type(where, key, node, "an integer");
      value = std::to_string(node.as_integer()->get());
    } else if (node.is_string()) {
      value = node.as_string()->get();
    } else {
      return wrong_type(where, key, node, "a string");
    }
    Status status = setting->apply(config, value, file.parent_path());
    if (!status) {
      return Error(Code::kInvalidArgument, where,
                   fmt::format("`{}`: {}", key, status.error().to_string()));
    }
  }
  return {};
}

// Applies every key of `table` (recursively, with dotted keys) to `config`.
Status apply_table(const toml::table& table, const std::string& prefix, const fs::path& file,
                   Config& config) {
  for (const auto& [name, node] : table) {
    const std::string key = prefix + std::string(name.str());
    const std::string where = fmt::format("{}:{}", file.string(), node.source().begin.line);
    if (key == "regions" && node.is_table()) {
      if (auto status = apply_regions(*node.as_table(), file, config); !status) return status;
      continue;
    }
    if (key == "oidc" && node.is_table()) {
      if (auto status = apply_oidc(*node.as_table(), file, config); !status) return status;
      continue;
    }
    if (key == "tiers" && node.is_table()) {
      if (auto status = apply_tiers(*node.as_table(), file, config); !status) return status;
      continue;
    }
    if (key == "models" && node.is_table()) {
      if (auto status = apply_models(*node.as_table(), file, config); !status) return status;
      continue;
    }
    const Setting* setting = find_setting(key);
    if (setting == nullptr && node.is_table()) {
      if (auto status = apply_table(*node.as_table(), key + ".", file, config); !status)
        return status;
      continue;
    }
    if (setting == nullptr) {
      return Error(Code::kInvalidArgument, where,
                   fmt::format("unknown setting `{}`; known settings: {}", key, known_keys()));
    }
    if (!node.is_string()) return wrong_type(where, key, node, "a string");
    Status status = setting->apply(config, node.as_string()->get(), file.parent_path());
    if (!status) {
      return Error(Code::kInvalidArgument, where,
                   fmt::format("`{}`: {}", key, status.error().to_string()));
    }
  }
  return {};
}

Status apply_file(const fs::path& file, Config& config) {
  auto text = read_file(file);
  if (!text) return text.error();
  try {
    toml::table table = toml::parse(*text, file.string());
    return apply_table(table, "", file, config);
  } catch (const toml::parse_error& error) {
    return Error(Code::kInvalidArgument,
                 fmt::format("{}:{}", file.string(), error.source().begin.line),
                 fmt::format("not valid TOML: {}; fix the file or move it aside",
                             std::string(error.description())));
  }
}

Status apply_environment(const ConfigInputs& inputs, Config& config) {
  for (const auto& [name, value] : inputs.environment) {
    // WARD_CONFIG names the file; WARD_MASTER_KEY carries the master secret itself, which is
    // read by the keyring (gov/keys) and never stored in the Config.
    if (name.rfind("WARD_", 0) != 0 || name == "WARD_CONFIG" || name == "WARD_MASTER_KEY") continue;
    if (name == "WARD_OIDC_CLIENT_SECRET") {
      return Error(Code::kInvalidArgument, name,
                   "the client secret is not taken from a variable, where other processes and "
                   "crash reports can see it; put it in a file only Ward's user can read and set "
                   "WARD_OIDC_CLIENT_SECRET_FILE (or oidc.client_secret_file) to its path");
    }
    const Setting* match = nullptr;
    for (const auto& setting : settings()) {
      if (env_name(setting.key) == name) match = &setting;
    }
    if (match == nullptr) {
      return Error(Code::kInvalidArgument, name,
                   "unknown Ward environment variable; unset it or use one of the variables in "
                   "docs/configuration.md");
    }
    Status status = match->apply(config, value, inputs.working_dir);
    if (!status) return Error(Code::kInvalidArgument, name, status.error().to_string());
  }
  return {};
}

Status apply_flags(const ConfigInputs& inputs, Config& config) {
  for (const auto& [key, value] : inputs.flags) {
    const Setting* setting = find_setting(key);
    if (setting == nullptr) {
      return Error(Code::kInternal, key, "flag bound to an unknown setting");
    }
    Status status = setting->apply(config, value, inputs.working_dir);
    if (!status) return Error(Code::kInvalidArgument, "--" + key, status.error().to_string());
  }
  return {};
}

std::optional<std::string> lookup(const std::map<std::string, std::string>& map,
                                  const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

bool is_ward_checkout(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "src/core/config.h", ec) && fs::exists(dir / "CMakeLists.txt", ec);
}

}  // namespace

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq != std::string_view::npos) {
      environment.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
  }
  return environment;
}

fs::path default_data_dir(const ConfigInputs& inputs) {
  for (fs::path dir = inputs.working_dir; !dir.empty(); dir = dir.parent_path()) {
    if (is_ward_checkout(dir)) return dir / ".ward";
    if (dir == dir.root_path()) break;
  }
  if (auto xdg = lookup(inputs.environment, "XDG_DATA_HOME"); xdg && !xdg->empty()) {
    return fs::path(*xdg) / "ward";
  }
  if (auto home = lookup(inputs.environment, "HOME"); home && !home->empty()) {
    return fs::path(*home) / ".local/share/ward";
  }
  return inputs.working_dir / ".ward";
}

Result<Config> load_config(const ConfigInputs& inputs) {
  Config config;
  config.data_dir = default_data_dir(inputs);

  // The data directory may come from the environment or a flag before any file is read, since the
  // default file lives inside it.
  fs::path data_dir = config.data_dir;
  if (auto v = lookup(inputs.environment, "WARD_DATA_DIR"))
    data_dir = resolve(*v, inputs.working_dir);
  if (auto v = lookup(inputs.flags, "data_dir")) data_dir = resolve(*v, inputs.working_dir);

  if (inputs.config_flag) {
    config.config_file = resolve(inputs.config_flag->string(), inputs.working_dir);
  } else if (auto v = lookup(inputs.environment, "WARD_CONFIG"); v && !v->empty()) {
    config.config_file = resolve(*v, inputs.working_dir);
  } else if (std::error_code ec; fs::exists(data_dir / "ward.toml", ec)) {
    config.config_file = data_dir / "ward.toml";
  }

  if (!config.config_file.empty()) {
    if (auto status = apply_file(config.config_file, config); !status) return status.error();
  }
  if (auto status = apply_environment(inputs, config); !status) return status.error();
  if (auto status = apply_flags(inputs, config); !status) return status.error();

  if (config.server.tls_cert.empty() != config.server.tls_key.empty()) {
    return Error(Code::kInvalidArgument, "server.tls_cert",
                 "server.tls_cert and server.tls_key must be set together (or both left unset "
                 "for a generated self-signed certificate)");
  }
  return config;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return Error(Code::kInvalidArgument, std::string(text),
                 fmt::format("{}; expected HOST:PORT such as 127.0.0.1:8443 or [::1]:8443", why));
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return invalid("no port");
  std::string_view host = text.substr(0, colon), port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid("an IPv6 address must be in brackets");
  }
  if (host.empty()) return invalid("no host");
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return invalid("the port must be a number from 0 to 65535");
  }
  return ListenAddress{std::string(host), port};
}

std::string_view toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

}  // namespace ward::core
