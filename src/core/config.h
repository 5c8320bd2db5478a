#pragma once
// Ward's configuration: one TOML file, overridden by WARD_* environment variables, overridden by
// command-line flags. Every setting has a dotted key (`server.listen`), an environment variable
// (`WARD_SERVER_LISTEN`) and a default; docs/configuration.md lists them all.
//
// Loading is strict: an unknown key, a wrong type or a bad value is an Error that names the key
// and where it came from (file and line, variable or flag), so a typo never silently falls back
// to a default. Load once at start-up; a loaded Config is a plain value.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace ward::core {

struct ServerConfig {
  std::string listen = "127.0.0.1:8443";  // HOST:PORT; port 0 picks a free port
  std::filesystem::path tls_cert;         // empty: a self-signed certificate in the data dir
  std::filesystem::path tls_key;
  // Set: mutual TLS — every client must present a certificate issued by a CA in this PEM file.
  std::filesystem::path tls_client_ca;
};

struct KeysConfig {
  std::filesystem::path master_key_file;  // empty: <data dir>/keys/master.key
};

// Overrides of one tier profile's fields from a [tiers.NAME] table; unset fields keep the built-in
// profile's value (or the defaults, for a new tier). The gov module turns these into profiles.
struct TierConfig {
  std::optional<bool> store_content;
  std::optional<bool> user_opt_out_allowed;
  std::optional<std::int64_t> retention_days;
  std::optional<std::int64_t> requests_per_minute;
  std::optional<std::int64_t> tokens_per_day;
  std::optional<bool> byok;
};

// The [oidc] table: single sign-on through the organisation's OpenID provider (docs/sso.md).
// Values as written; the gov module checks them and fills in its defaults
// (gov::oidc_settings_from). The client secret itself is never here: only the file holding it.
struct OidcSettings {
  std::string issuer;
  std::string client_id;
  std::filesystem::path client_secret_file;  // empty: a public client (PKCE only)
  std::string token_endpoint_auth_method;    // empty: chosen from the provider's discovery
  std::string redirect_uri;                  // empty: https://<server.listen>/auth/callback
  std::optional<std::vector<std::string>> scopes;
  std::vector<std::string> required_acr_values;
  std::vector<std::string> required_amr_values;
  std::optional<std::string> groups_claim;
  std::map<std::string, std::vector<std::string>> group_roles;  // file only
  std::optional<std::vector<std::string>> id_token_algorithms;
  std::filesystem::path ca_bundle;  // empty: the system's trust store
  std::string tenant = "default";   // where users signing in for the first time are created
  std::int64_t session_lifetime_minutes = 480;
  std::int64_t session_idle_minutes = 0;  // 0: no idle limit
};

// A [models.NAME] table: a model `ward serve` offers, run by Ward's embedded engine (`path`) or
// by an OpenAI-compatible upstream server (`url`); docs/configuration.md.
struct ModelConfig {
  std::filesystem::path path{};  // the GGUF file (relative paths: from the config file's folder)
  std::string url{};             // the upstream's base URL, e.g. https://vllm.internal:8000/v1
  std::string upstream_model{};  // the model's name at the upstream; empty: the table's name
  std::filesystem::path api_key_file{};  // the upstream's API key, in a 0600 file
  std::filesystem::path ca_bundle{};     // PEM CAs for the upstream; empty: the system's
  std::string proxy{};                   // http://HOST:PORT
  std::int64_t connect_timeout_ms = 5000;
  std::int64_t read_timeout_ms = 120000;
  std::int64_t retries = 2;
  std::string fim{};         // fill-in-the-middle format name; empty: detected from the vocabulary
  std::int64_t context = 0;  // tokens; 0: the model's own, at most 4096
  std::int64_t threads = 0;  // per slot; 0: one per physical core
  std::int64_t slots = 1;    // requests run at once
  std::string region{};      // where it runs; empty: the deployment's `region`
};

struct Config {
  std::filesystem::path data_dir;
  std::filesystem::path config_file;  // the file that was read; empty when none
  ServerConfig server;
  LogOptions log;
  KeysConfig keys;
  std::string region = "local";                           // where this deployment's data lives
  std::map<std::string, std::string> region_geographies;  // [regions]: region -> geography
  std::map<std::string, TierConfig> tiers;                // [tiers.NAME]
  std::map<std::string, ModelConfig> models;              // [models.NAME]
  std::string default_model;  // the model requests without one go to; empty: the first by name
  std::optional<OidcSettings> oidc;  // [oidc] or WARD_OIDC_*; std::nullopt: no single sign-on
};

// Everything the loader reads besides the file itself, so tests can supply it.
struct ConfigInputs {
  std::optional<std::filesystem::path> config_flag;  // --config
  std::map<std::string, std::string> flags;          // dotted key -> value, from CLI flags
  std::map<std::string, std::string> environment;    // the process environment
  std::filesystem::path working_dir;
};

// Reads the process environment into a map (for ConfigInputs::environment).
std::map<std::string, std::string> process_environment();

// Builds the Config: defaults, then the file, then WARD_* variables, then flags.
// The file is --config, else $WARD_CONFIG, else <data dir>/ward.toml when it exists.
Result<Config> load_config(const ConfigInputs& inputs);

// The default data directory: ./.ward inside a Ward source checkout (the working directory or an
// ancestor holding src/core/config.h), else $XDG_DATA_HOME/ward, else ~/.local/share/ward.
std::filesystem::path default_data_dir(const ConfigInputs& inputs);

struct ListenAddress {
  std::string host;  // without brackets for IPv6
  int port = 0;
};

// Parses "HOST:PORT" or "[IPV6]:PORT".
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace ward::core
