// `ward admin user|token|role|group|policy|tenant …`: identity administration, working on the data
// directory directly (for bootstrap and recovery, with the file permissions of the data directory
// as the only guard), or, with `--server URL`, through a running server's API (remote_admin.h) for
// the commands marked [API] below, acting on the caller's own tenant.
//
//   ward admin user create NAME [--tenant T] [--role ROLE …] [--group G …] [--password-stdin]  [API]
//   ward admin user list [--tenant T] [--json]                                              [API]
//   ward admin user set-password NAME --password-stdin | --remove
//   ward admin user delete NAME [--grace DURATION]  schedules deletion (default in 30 days)  [API]
//   ward admin user restore NAME
//   ward admin user mfa enroll NAME [--algorithm sha1|sha256] / confirm NAME CODE / disable NAME
//   ward admin token create --user NAME [--expires DURATION] [--session-policy FILE]      [API]
//   ward admin token list [--user NAME] [--json]                                            [API]
//   ward admin token revoke ID                                                              [API]
//   ward admin role create NAME [--description TEXT] / list / add-user ROLE USER
//   ward admin group create NAME / list / add-user GROUP USER
//   ward admin policy attach (--user|--group|--role) NAME (--managed NAME | --file FILE)    [API]
//   ward admin policy list (--user|--group|--role) NAME / detach ID                [API: detach]
//   ward admin tenant create NAME [--region R] [--require-mfa] / list / require-mfa NAME on|off
//
// Every command accepts --tenant (default: the default tenant). Each command that changes
// something produces one line saying what changed (Outcome::change), which is what its audit event
// will record; passwords and tokens never appear in it. DURATION is a number with d, h, m or s.

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/audited_session.h"
#include "cli/commands.h"
#include "cli/remote_admin.h"
#include "gov/policy/parser.h"
#include "gov/identity/directory.h"
#include "gov/identity/json.h"
#include "gov/identity/mfa.h"
#include "gov/identity/tokens.h"
#include "gov/keys/keyring_sealer.h"
#include "gov/tenancy/tiers.h"

namespace ward::cli {
namespace {

using core::Code;
using core::Error;
using core::Result;
using nlohmann::json;

// What one admin command did: `output` for stdout, and `change`, one line naming what changed
// (empty for commands that only read).
struct Outcome {
  std::string output;
  std::string change;
};

using AdminAction = std::function<Result<Outcome>(DataDir&)>;

// The audit action for an admin command, from its first word ("user create" -> ward:AdminUsers).
std::string audit_action_for(const std::string& command) {
  const std::string group = command.substr(0, command.find(' '));
  if (group == "user") return "ward:AdminUsers";
  if (group == "token") return "ward:AdminTokens";
  if (group == "tenant") return "ward:AdminTenants";
  return "ward:AdminPolicies";  // role, group, policy
}

// Opens the data directory and its audit log, records the command (refusing it if the event
// cannot be written), runs `action` and prints its output; a failure is recorded and reported.
int run_admin(const CommandContext& context, const std::string& command,
              const AdminAction& action) {
  auto session = AuditedSession::open(context.inputs);
  if (!session) return report(session.error());
  const std::string audit_action = audit_action_for(command);
  const std::string resource = "ward:" + (*session)->config().region + ":admin";
  gov::AuditParams params;
  params.set("command", command);
  if (auto s = (*session)->record(audit_action, resource, params, gov::AuditOutcome::kAllowed);
      !s) {
    return report(s.error());
  }
  auto outcome = action((*session)->data());
  if (!outcome) return (*session)->fail(audit_action, resource, params, outcome.error());
  (*session)->finish();
  std::cout << outcome->output;
  return kExitOk;
}

int usage_error(const std::string& message) {
  std::cerr << "ward: error: " << message << "; see `ward admin --help`\n";
  return kExitUsage;
}

// The default tenant is homed in the deployment's region.
// One line from standard input, without its line ending. On a terminal, asks for it on stderr
// and turns echo off while it is typed.
Result<std::string> read_password_line() {
  std::string line;
  bool ok = false;
  termios saved{};
  if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    std::cerr << "password: " << std::flush;
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    ok = static_cast<bool>(std::getline(std::cin, line));
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  } else {
    ok = static_cast<bool>(std::getline(std::cin, line));
  }
  if (!ok && line.empty()) {
    return Error(Code::kInvalidArgument, "--password-stdin",
                 "standard input was empty; pipe the password in, one line");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// "30d", "12h", "45m", "90s".
Result<std::chrono::seconds> parse_duration(const std::string& flag, const std::string& text) {
  const Error bad(Code::kInvalidArgument, flag,
                  "\"" + text +
                      "\" is not a duration; write a whole number and a unit: 30d, 12h, "
                      "45m or 90s");
  if (text.size() < 2) return bad;
  std::int64_t number = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || number > 1'000'000'000) return bad;
    number = number * 10 + (text[i] - '0');
  }
  switch (text.back()) {
    case 'd':
      return std::chrono::seconds(std::chrono::days(number));
    case 'h':
      return std::chrono::seconds(std::chrono::hours(number));
    case 'm':
      return std::chrono::seconds(std::chrono::minutes(number));
    case 's':
      return std::chrono::seconds(number);
    default:
      return bad;
  }
}

std::string join(const std::vector<std::string>& items, std::string_view empty = "-") {
  if (items.empty()) return std::string(empty);
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string in_tenant(const std::string& tenant) {
  return tenant == gov::kDefaultTenant ? "" : " in tenant " + tenant;
}

// The common --tenant option; its value lives in `tenant`.
void add_tenant_option(CLI::App& command, std::string& tenant) {
  command.add_option("--tenant", tenant, "the tenant (organisation); default: the default tenant")
      ->type_name("NAME");
}

// Registers `command`'s callback to run `action` on the data directory, or `remote` (if the
// command has an API counterpart) with --server.
void on_run(CLI::App& command, CommandContext& context, AdminAction action,
            RemoteAdminAction remote = nullptr) {
  command.callback([&context, &command, action = std::move(action), remote = std::move(remote)] {
    context.action = [&context, &command, action, remote] {
      if (context.remote.enabled()) return run_remote_admin(context, command, remote);
      return run_admin(context, admin_command_path(command), action);
    };
  });
}

// ---- output, from the JSON that both the data directory and the API describe objects with
// (gov/identity/json.h), so that a command prints the same either way ----

std::string join(const json& strings) {
  std::vector<std::string> items;
  for (const json& item : strings) items.push_back(item.get<std::string>());
  return join(items);
}

std::string text_or(const json& value, std::string_view none) {
  return value.is_string() ? value.get<std::string>() : std::string(none);
}

std::string created_user_text(const json& user) {
  return fmt::format("created user {}{} (roles: {}; groups: {}; password: {})",
                     user["name"].get<std::string>(), in_tenant(user["tenant"].get<std::string>()),
                     join(user["roles"]), join(user["groups"]),
                     user["has_password"].get<bool>() ? "set" : "none");
}

std::string user_table(const json& users) {
  std::string out = fmt::format("{:<24} {:<37} {:<4} {:<8} {:<24} {}\n", "NAME", "STATUS", "MFA",
                                "PASSWORD", "ROLES", "GROUPS");
  for (const json& u : users) {
    const std::string status = u["deletion_due"].is_string()
                                   ? "deletion due " + u["deletion_due"].get<std::string>()
                                   : u["status"].get<std::string>();
    out += fmt::format("{:<24} {:<37} {:<4} {:<8} {:<24} {}\n", u["name"].get<std::string>(),
                       status, u["mfa"].get<bool>() ? "on" : "off",
                       u["has_password"].get<bool>() ? "set" : "none", join(u["roles"]),
                       join(u["groups"]));
  }
  return out;
}

std::string deletion_scheduled_text(const json& user) {
  return fmt::format("scheduled user {}{} for deletion on {}", user["name"].get<std::string>(),
                     in_tenant(user["tenant"].get<std::string>()), text_or(user["deletion_due"], "-"));
}

std::string deletion_scheduled_output(const json& user) {
  return deletion_scheduled_text(user) +
         "; until then the user cannot sign in, and `ward admin user restore " +
         user["name"].get<std::string>() + "` undoes it\n";
}

std::string token_created_text(const json& token) {
  return fmt::format("created API token {} for user {}{}, expiring {}{}",
                     token["id"].get<std::string>(), token["user"].get<std::string>(),
                     in_tenant(token["tenant"].get<std::string>()), token["expires_at"].get<std::string>(),
                     token["session_policy"].get<bool>() ? ", with a session policy" : "");
}

// What `token create` prints: the token's details, then the token alone on the last line.
std::string token_created_output(const json& token, const std::string& secret,
                                 const std::string& session_policy_file) {
  std::string out = fmt::format("token id:       {}\n", token["id"].get<std::string>());
  out += fmt::format("user:           {}{}\n", token["user"].get<std::string>(),
                     in_tenant(token["tenant"].get<std::string>()));
  out += fmt::format("expires:        {}\n", token["expires_at"].get<std::string>());
  out += fmt::format("session policy: {}\n",
                     token["session_policy"].get<bool>() ? session_policy_file : "none");
  out += "This is the only time the token is shown; store it now:\n";
  return out + secret + "\n";
}

std::string token_table(const json& tokens) {
  std::string out = fmt::format("{:<16} {:<24} {:<8} {:<24} {:<24} {}\n", "ID", "USER", "STATE",
                                "CREATED", "EXPIRES", "LAST USED");
  for (const json& t : tokens) {
    out += fmt::format("{:<16} {:<24} {:<8} {:<24} {:<24} {}\n", t["id"].get<std::string>(),
                       t["user"].get<std::string>(), t["state"].get<std::string>(),
                       t["created_at"].get<std::string>(), t["expires_at"].get<std::string>(),
                       text_or(t["last_used_at"], "never"));
  }
  return out;
}

std::string token_revoked_text(const json& token) {
  return fmt::format("revoked API token {} of user {}{}", token["id"].get<std::string>(),
                     token["user"].get<std::string>(), in_tenant(token["tenant"].get<std::string>()));
}

std::string attached_policy_name(const json& attachment) {
  return attachment["managed"].is_string()
             ? "managed policy " + attachment["managed"].get<std::string>()
             : "an inline policy document";
}

std::string attached_text(const json& attachment, const std::string& tenant) {
  return fmt::format("attached {} to {} {}{} (attachment {})", attached_policy_name(attachment),
                     attachment["attached_to"].get<std::string>(),
                     attachment["principal"].get<std::string>(), in_tenant(tenant),
                     attachment["id"].get<std::string>());
}

std::string detached_text(const json& attachment, const std::string& tenant) {
  return fmt::format("detached {} from {} {}{}", attached_policy_name(attachment),
                     attachment["attached_to"].get<std::string>(),
                     attachment["principal"].get<std::string>(), in_tenant(tenant));
}

// A policy file as JSON, to send to the API (which validates it as the data directory would).
Result<json> policy_document(const std::string& file) {
  auto text = gov::read_policy_file(file);
  if (!text) return text.error();
  json document = json::parse(*text, nullptr, false);
  if (document.is_discarded()) {
    return Error(Code::kInvalidArgument, file, "not a JSON policy document; check it with `ward policy validate`");
  }
  return document;
}

// Output of a command that changed something: its one line, printed and recorded.
Result<std::string> changed(const Result<json>& reply,
                            const std::function<std::string(const json&)>& describe) {
  if (!reply) return reply.error();
  return describe(*reply) + "\n";
}

// ---- user -------------------------------------------------------------------------------------

void add_user_commands(CLI::App& admin, CommandContext& context) {
  auto* user = admin.add_subcommand("user", "create, list, delete and restore users; MFA");
  user->require_subcommand(1);

  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
      std::vector<std::string> roles;
      std::vector<std::string> groups;
      bool password_stdin = false;
    };
    auto o = std::make_shared<Options>();
    auto* create = user->add_subcommand("create", "create a user");
    create->add_option("NAME", o->name, "the user name, unique within the tenant")->required();
    add_tenant_option(*create, o->tenant);
    create->add_option("--role", o->roles, "a role to give the user (repeatable)")
        ->type_name("ROLE")
        ->allow_extra_args(false);
    create->add_option("--group", o->groups, "a group to add the user to (repeatable)")
        ->type_name("GROUP")
        ->allow_extra_args(false);
    create->add_flag("--password-stdin", o->password_stdin,
                     "read the user's password from the first line of standard input");
    on_run(
        *create, context,
        [o](DataDir& data) -> Result<Outcome> {
          gov::NewUser request;
          request.tenant = o->tenant;
          request.name = o->name;
          request.roles = o->roles;
          request.groups = o->groups;
          if (o->password_stdin) {
            auto password = read_password_line();
            if (!password) return password.error();
            request.password = std::move(*password);
          }
          gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
          auto created = directory.create_user(request);
          if (!created) return created.error();
          const std::string change = created_user_text(gov::user_json(*created));
          return Outcome{change + "\n", change};
        },
        [o](const ApiClient& api) -> Result<std::string> {
          if (o->password_stdin) {
            return Error(
                Code::kInvalidArgument, "--password-stdin",
                "passwords are set on the data directory, never sent through the API; create "
                "the user here, then run `ward admin user set-password` on the server");
          }
          return changed(api.post("/api/v1/admin/users",
                                  {{"name", o->name}, {"roles", o->roles}, {"groups", o->groups}}),
                         created_user_text);
        });
  }

  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      bool json = false;
    };
    auto o = std::make_shared<Options>();
    auto* list = user->add_subcommand("list", "list the users of a tenant");
    add_tenant_option(*list, o->tenant);
    list->add_flag("--json", o->json, "print a JSON array");
    on_run(
        *list, context,
        [o](DataDir& data) -> Result<Outcome> {
          gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
          auto users = directory.list_users(o->tenant);
          if (!users) return users.error();
          json listed = json::array();
          for (const auto& u : *users) listed.push_back(gov::user_json(u));
          return Outcome{o->json ? listed.dump(2) + "\n" : user_table(listed), ""};
        },
        [o](const ApiClient& api) -> Result<std::string> {
          auto reply = api.get("/api/v1/admin/users");
          if (!reply) return reply.error();
          const json& listed = (*reply)["users"];
          return o->json ? listed.dump(2) + "\n" : user_table(listed);
        });
  }

  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
      bool password_stdin = false;
      bool remove = false;
    };
    auto o = std::make_shared<Options>();
    auto* set = user->add_subcommand("set-password", "set or remove a user's password");
    set->add_option("NAME", o->name, "the user")->required();
    add_tenant_option(*set, o->tenant);
    auto* from_stdin = set->add_flag("--password-stdin", o->password_stdin,
                                     "read the new password from the first line of standard input");
    auto* remove = set->add_flag("--remove", o->remove,
                                 "remove the password (the user signs in by token or SSO only)");
    from_stdin->excludes(remove);
    set->callback([&context, o] {
      context.action = [&context, o] {
        if (!o->password_stdin && !o->remove)
          return usage_error("give --password-stdin or --remove");
        return run_admin(context, "user set-password", [o](DataDir& data) -> Result<Outcome> {
          std::optional<std::string> password;
          if (o->password_stdin) {
            auto line = read_password_line();
            if (!line) return line.error();
            password = std::move(*line);
          }
          gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
          auto updated = directory.set_password(
              o->tenant, o->name,
              password ? std::optional<std::string_view>(*password) : std::nullopt);
          if (!updated) return updated.error();
          const std::string change =
              fmt::format("{} the password of user {}{}", password ? "set" : "removed",
                          updated->name, in_tenant(updated->tenant_name));
          return Outcome{change + "\n", change};
        });
      };
    });
  }

  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
      std::string grace;
    };
    auto o = std::make_shared<Options>();
    auto* del = user->add_subcommand(
        "delete", "schedule a user for deletion after a grace period (restorable until then)");
    del->add_option("NAME", o->name, "the user")->required();
    add_tenant_option(*del, o->tenant);
    del->add_option("--grace", o->grace, "how long the user can still be restored (default 30d)")
        ->type_name("DURATION");
    on_run(
        *del, context,
        [o](DataDir& data) -> Result<Outcome> {
          std::optional<std::chrono::seconds> grace;
          if (!o->grace.empty()) {
            auto parsed = parse_duration("--grace", o->grace);
            if (!parsed) return parsed.error();
            grace = *parsed;
          }
          gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
          auto scheduled = directory.schedule_user_deletion(o->tenant, o->name, grace);
          if (!scheduled) return scheduled.error();
          const json scheduled_user = gov::user_json(*scheduled);
          return Outcome{deletion_scheduled_output(scheduled_user),
                         deletion_scheduled_text(scheduled_user)};
        },
        [o](const ApiClient& api) -> Result<std::string> {
          if (!o->grace.empty()) {
            return Error(Code::kInvalidArgument, "--grace",
                         "through the API the tenant's grace period applies; drop --grace");
          }
          auto reply = api.remove("/api/v1/admin/users/" + path_segment(o->name));
          if (!reply) return reply.error();
          return deletion_scheduled_output(*reply);
        });
  }

  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
    };
    auto o = std::make_shared<Options>();
    auto* restore = user->add_subcommand("restore", "cancel a scheduled deletion");
    restore->add_option("NAME", o->name, "the user")->required();
    add_tenant_option(*restore, o->tenant);
    on_run(*restore, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto restored = directory.restore_user(o->tenant, o->name);
      if (!restored) return restored.error();
      const std::string change =
          fmt::format("restored user {}{}", restored->name, in_tenant(restored->tenant_name));
      return Outcome{change + "\n", change};
    });
  }

  auto* mfa = user->add_subcommand("mfa", "enrol a user in TOTP multi-factor authentication");
  mfa->require_subcommand(1);
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
      std::string algorithm = "sha1";
    };
    auto o = std::make_shared<Options>();
    auto* enroll = mfa->add_subcommand(
        "enroll", "start an enrolment and print the otpauth:// URI for the authenticator app");
    enroll->add_option("NAME", o->name, "the user")->required();
    add_tenant_option(*enroll, o->tenant);
    enroll
        ->add_option("--algorithm", o->algorithm,
                     "sha1 (default; what most apps support) or sha256")
        ->type_name("ALG");
    on_run(*enroll, context, [o](DataDir& data) -> Result<Outcome> {
      auto algorithm = gov::parse_totp_algorithm(o->algorithm);
      if (!algorithm) return algorithm.error();
      // TOTP seeds are secrets the server must read back, so the keyring seals them.
      auto keyring = open_keyring(data);
      if (!keyring) return keyring.error();
      gov::KeyringSealer sealer(*keyring);
      gov::Mfa totp(*data.db, core::system_clock(), sealer);
      auto enrollment = totp.enroll(o->tenant, o->name, *algorithm);
      if (!enrollment) return enrollment.error();
      const std::string change = fmt::format("started MFA enrolment ({}) for user {}{}",
                                             gov::totp_algorithm_name(enrollment->algorithm),
                                             enrollment->user_name, in_tenant(o->tenant));
      return Outcome{
          fmt::format("Add this to the user's authenticator app (it is shown once), then "
                      "run `ward admin user mfa confirm {} CODE` with the code it "
                      "shows:\n{}\n",
                      enrollment->user_name, enrollment->otpauth_uri),
          change};
    });
  }
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
      std::string code;
    };
    auto o = std::make_shared<Options>();
    auto* confirm = mfa->add_subcommand("confirm", "activate an enrolment with a first valid code");
    confirm->add_option("NAME", o->name, "the user")->required();
    confirm->add_option("CODE", o->code, "the 6-digit code the authenticator app shows")
        ->required();
    add_tenant_option(*confirm, o->tenant);
    on_run(*confirm, context, [o](DataDir& data) -> Result<Outcome> {
      // TOTP seeds are secrets the server must read back, so the keyring seals them.
      auto keyring = open_keyring(data);
      if (!keyring) return keyring.error();
      gov::KeyringSealer sealer(*keyring);
      gov::Mfa totp(*data.db, core::system_clock(), sealer);
      if (auto confirmed = totp.confirm(o->tenant, o->name, o->code); !confirmed) {
        return confirmed.error();
      }
      const std::string change =
          fmt::format("activated MFA for user {}{}", o->name, in_tenant(o->tenant));
      return Outcome{change + "\n", change};
    });
  }
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
    };
    auto o = std::make_shared<Options>();
    auto* disable =
        mfa->add_subcommand("disable", "remove a user's MFA (e.g. after a lost device)");
    disable->add_option("NAME", o->name, "the user")->required();
    add_tenant_option(*disable, o->tenant);
    on_run(*disable, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto disabled = directory.disable_mfa(o->tenant, o->name);
      if (!disabled) return disabled.error();
      const std::string change =
          fmt::format("removed MFA of user {}{}", disabled->name, in_tenant(o->tenant));
      return Outcome{change + "\n", change};
    });
  }
}

// ---- token ------------------------------------------------------------------------------------

void add_token_commands(CLI::App& admin, CommandContext& context) {
  auto* token = admin.add_subcommand("token", "create, list and revoke API tokens");
  token->require_subcommand(1);

  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string user;
      std::string expires;
      std::string session_policy;
    };
    auto o = std::make_shared<Options>();
    auto* create = token->add_subcommand(
        "create", "create an API token; prints it once, alone on the last line");
    create->add_option("--user", o->user, "the user the token acts as")
        ->required()
        ->type_name("NAME");
    add_tenant_option(*create, o->tenant);
    create->add_option("--expires", o->expires, "lifetime (default 90d, at most 365d)")
        ->type_name("DURATION");
    create
        ->add_option("--session-policy", o->session_policy,
                     "a JSON policy document that limits what the token may do")
        ->type_name("FILE");
    on_run(
        *create, context,
        [o](DataDir& data) -> Result<Outcome> {
          gov::TokenRequest request;
          request.tenant = o->tenant;
          request.user = o->user;
          if (!o->expires.empty()) {
            auto lifetime = parse_duration("--expires", o->expires);
            if (!lifetime) return lifetime.error();
            request.lifetime = *lifetime;
          }
          if (!o->session_policy.empty()) {
            auto text = gov::read_policy_file(o->session_policy);
            if (!text) return text.error();
            request.session_policy = std::move(*text);
          }
          gov::Tokens tokens(*data.db, core::system_clock(), identity_options(data));
          auto issued = tokens.create(request);
          if (!issued) return issued.error();
          const json created = gov::token_json(issued->info, core::system_clock().now());
          return Outcome{token_created_output(created, issued->token, o->session_policy),
                         token_created_text(created)};
        },
        [o](const ApiClient& api) -> Result<std::string> {
          json body = {{"user", o->user}};
          if (!o->expires.empty()) {
            auto lifetime = parse_duration("--expires", o->expires);
            if (!lifetime) return lifetime.error();
            const auto days = std::chrono::duration_cast<std::chrono::days>(*lifetime);
            if (days != *lifetime) {
              return Error(Code::kInvalidArgument, "--expires",
                           "through the API a token's lifetime is whole days, e.g. 30d");
            }
            body["expires_in_days"] = days.count();
          }
          if (!o->session_policy.empty()) {
            auto document = policy_document(o->session_policy);
            if (!document) return document.error();
            body["session_policy"] = std::move(*document);
          }
          auto reply = api.post("/api/v1/admin/tokens", body);
          if (!reply) return reply.error();
          return token_created_output(*reply, (*reply)["token"].get<std::string>(),
                                      o->session_policy);
        });
  }

  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string user;
      bool json = false;
    };
    auto o = std::make_shared<Options>();
    auto* list = token->add_subcommand("list", "list API tokens (never their secrets)");
    list->add_option("--user", o->user, "only this user's tokens")->type_name("NAME");
    add_tenant_option(*list, o->tenant);
    list->add_flag("--json", o->json, "print a JSON array");
    on_run(
        *list, context,
        [o](DataDir& data) -> Result<Outcome> {
          gov::Tokens tokens(*data.db, core::system_clock(), identity_options(data));
          auto listed = tokens.list(
              o->tenant, o->user.empty() ? std::nullopt : std::optional<std::string_view>(o->user));
          if (!listed) return listed.error();
          const core::TimePoint now = core::system_clock().now();
          json tokens_json = json::array();
          for (const auto& t : *listed) tokens_json.push_back(gov::token_json(t, now));
          return Outcome{o->json ? tokens_json.dump(2) + "\n" : token_table(tokens_json), ""};
        },
        [o](const ApiClient& api) -> Result<std::string> {
          auto reply = api.get("/api/v1/admin/tokens");
          if (!reply) return reply.error();
          json tokens_json = json::array();
          for (const json& t : (*reply)["tokens"]) {
            if (o->user.empty() || t["user"] == o->user) tokens_json.push_back(t);
          }
          return o->json ? tokens_json.dump(2) + "\n" : token_table(tokens_json);
        });
  }

  {
    auto id = std::make_shared<std::string>();
    auto* revoke = token->add_subcommand("revoke", "revoke an API token");
    revoke->add_option("ID", *id, "the token id (or a leaked token's full text)")->required();
    on_run(
        *revoke, context,
        [id](DataDir& data) -> Result<Outcome> {
          gov::Tokens tokens(*data.db, core::system_clock(), identity_options(data));
          auto revoked = tokens.revoke(*id);
          if (!revoked) return revoked.error();
          const std::string change =
              token_revoked_text(gov::token_json(*revoked, core::system_clock().now()));
          return Outcome{change + "\n", change};
        },
        [id](const ApiClient& api) -> Result<std::string> {
          // A leaked token's full text names its id after the prefix: ward_pat_<id>_<secret>.
          std::string token_id = *id;
          if (token_id.rfind("ward_pat_", 0) == 0) {
            token_id = token_id.substr(9, token_id.find('_', 9) - 9);
          }
          return changed(api.remove("/api/v1/admin/tokens/" + path_segment(token_id)),
                         token_revoked_text);
        });
  }
}

// ---- role and group -----------------------------------------------------------------------------

void add_role_commands(CLI::App& admin, CommandContext& context) {
  auto* role = admin.add_subcommand("role", "create roles and give them to users");
  role->require_subcommand(1);
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
      std::string description;
    };
    auto o = std::make_shared<Options>();
    auto* create = role->add_subcommand("create", "create a role");
    create->add_option("NAME", o->name, "the role name")->required();
    create->add_option("--description", o->description, "what the role is for")->type_name("TEXT");
    add_tenant_option(*create, o->tenant);
    on_run(*create, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto created = directory.create_role(o->tenant, o->name, o->description);
      if (!created) return created.error();
      const std::string change =
          fmt::format("created role {}{}", created->name, in_tenant(o->tenant));
      return Outcome{change + "\n", change};
    });
  }
  {
    auto tenant = std::make_shared<std::string>(gov::kDefaultTenant);
    auto* list = role->add_subcommand("list", "list the roles of a tenant");
    add_tenant_option(*list, *tenant);
    on_run(*list, context, [tenant](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto roles = directory.list_roles(*tenant);
      if (!roles) return roles.error();
      std::string out;
      for (const auto& r : *roles) out += fmt::format("{:<24} {}\n", r.name, r.description);
      return Outcome{out, ""};
    });
  }
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string role;
      std::string user;
    };
    auto o = std::make_shared<Options>();
    auto* add = role->add_subcommand("add-user", "give a role to a user");
    add->add_option("ROLE", o->role, "the role")->required();
    add->add_option("USER", o->user, "the user")->required();
    add_tenant_option(*add, o->tenant);
    on_run(*add, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto updated = directory.assign_role(o->tenant, o->role, o->user);
      if (!updated) return updated.error();
      const std::string change =
          fmt::format("gave role {} to user {}{}", o->role, updated->name, in_tenant(o->tenant));
      return Outcome{change + "\n", change};
    });
  }
}

void add_group_commands(CLI::App& admin, CommandContext& context) {
  auto* group = admin.add_subcommand("group", "create groups and add users to them");
  group->require_subcommand(1);
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string name;
    };
    auto o = std::make_shared<Options>();
    auto* create = group->add_subcommand("create", "create a group");
    create->add_option("NAME", o->name, "the group name")->required();
    add_tenant_option(*create, o->tenant);
    on_run(*create, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto created = directory.create_group(o->tenant, o->name);
      if (!created) return created.error();
      const std::string change =
          fmt::format("created group {}{}", created->name, in_tenant(o->tenant));
      return Outcome{change + "\n", change};
    });
  }
  {
    auto tenant = std::make_shared<std::string>(gov::kDefaultTenant);
    auto* list = group->add_subcommand("list", "list the groups of a tenant");
    add_tenant_option(*list, *tenant);
    on_run(*list, context, [tenant](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto groups = directory.list_groups(*tenant);
      if (!groups) return groups.error();
      std::string out;
      for (const auto& g : *groups) out += g.name + "\n";
      return Outcome{out, ""};
    });
  }
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string group;
      std::string user;
    };
    auto o = std::make_shared<Options>();
    auto* add = group->add_subcommand("add-user", "add a user to a group");
    add->add_option("GROUP", o->group, "the group")->required();
    add->add_option("USER", o->user, "the user")->required();
    add_tenant_option(*add, o->tenant);
    on_run(*add, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto updated = directory.add_user_to_group(o->tenant, o->group, o->user);
      if (!updated) return updated.error();
      const std::string change =
          fmt::format("added user {} to group {}{}", updated->name, o->group, in_tenant(o->tenant));
      return Outcome{change + "\n", change};
    });
  }
}

// ---- policy -----------------------------------------------------------------------------------

struct PrincipalOptions {
  std::string tenant = std::string(gov::kDefaultTenant);
  std::string user;
  std::string group;
  std::string role;
  bool guardrail = false;
};

void add_principal_options(CLI::App& command, PrincipalOptions& o) {
  auto* user = command.add_option("--user", o.user, "a user")->type_name("NAME");
  auto* group = command.add_option("--group", o.group, "a group")->type_name("NAME");
  auto* role = command.add_option("--role", o.role, "a role")->type_name("NAME");
  auto* guardrail = command.add_flag(
      "--guardrail", o.guardrail,
      "the tenant itself: a guardrail that limits everyone in it and grants nothing");
  user->excludes(group)->excludes(role)->excludes(guardrail);
  group->excludes(role)->excludes(guardrail);
  role->excludes(guardrail);
  add_tenant_option(command, o.tenant);
}

// The one principal named by --user, --group, --role or --guardrail.
std::optional<std::pair<gov::PrincipalKind, std::string>> chosen_principal(
    const PrincipalOptions& o) {
  if (!o.user.empty()) return std::make_pair(gov::PrincipalKind::kUser, o.user);
  if (!o.group.empty()) return std::make_pair(gov::PrincipalKind::kGroup, o.group);
  if (!o.role.empty()) return std::make_pair(gov::PrincipalKind::kRole, o.role);
  if (o.guardrail) return std::make_pair(gov::PrincipalKind::kTenant, o.tenant);
  return std::nullopt;
}

struct AttachOptions : PrincipalOptions {
  std::string managed;
  std::string file;
};

Result<std::string> attach_through_api(const ApiClient& api, const AttachOptions& o) {
  json body = json::object();
  if (!o.user.empty()) body["user"] = o.user;
  if (!o.group.empty()) body["group"] = o.group;
  if (!o.role.empty()) body["role"] = o.role;
  if (o.guardrail) body["guardrail"] = true;
  if (!o.managed.empty()) {
    body["managed"] = o.managed;
  } else {
    auto document = policy_document(o.file);
    if (!document) return document.error();
    body["document"] = std::move(*document);
  }
  return changed(api.post("/api/v1/admin/policies", body), [](const json& a) {
    return attached_text(a, std::string(gov::kDefaultTenant));
  });
}

void add_policy_commands_for_admin(CLI::App& admin, CommandContext& context) {
  auto* policy = admin.add_subcommand("policy", "attach policies to users, groups and roles");
  policy->require_subcommand(1);
  {
    auto o = std::make_shared<AttachOptions>();
    auto* attach = policy->add_subcommand(
        "attach", "attach a managed policy or a policy document to a user, group or role");
    add_principal_options(*attach, *o);
    auto* managed =
        attach->add_option("--managed", o->managed, "a managed policy, e.g. WardDeveloperAccess")
            ->type_name("NAME");
    auto* file = attach->add_option("--file", o->file, "a JSON policy document")->type_name("FILE");
    managed->excludes(file);
    attach->callback([&context, o, attach] {
      context.action = [&context, o, attach] {
        const auto principal = chosen_principal(*o);
        if (!principal) {
          return usage_error("name what to attach to with --user, --group, --role or --guardrail");
        }
        if (o->managed.empty() == o->file.empty()) {
          return usage_error("give either --managed NAME or --file FILE");
        }
        if (context.remote.enabled()) {
          return run_remote_admin(context, *attach,
                                  [o](const ApiClient& api) -> Result<std::string> {
                                    return attach_through_api(api, *o);
                                  });
        }
        return run_admin(
            context, "policy attach", [o, principal](DataDir& data) -> Result<Outcome> {
              gov::PolicySource ref;
              if (!o->managed.empty()) {
                ref = gov::PolicySource::managed(o->managed);
              } else {
                auto text = gov::read_policy_file(o->file);
                if (!text) return text.error();
                ref = gov::PolicySource::inline_document(std::move(*text));
              }
              gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
              auto attached =
                  directory.attach_policy(o->tenant, principal->first, principal->second, ref);
              if (!attached) return attached.error();
              const std::string change = attached_text(gov::attachment_json(*attached), o->tenant);
              return Outcome{change + "\n", change};
            });
      };
    });
  }
  {
    auto o = std::make_shared<PrincipalOptions>();
    auto* list =
        policy->add_subcommand("list", "list the policies attached to a user, group or role");
    add_principal_options(*list, *o);
    list->callback([&context, o] {
      context.action = [&context, o] {
        const auto principal = chosen_principal(*o);
        if (!principal) {
          return usage_error(
              "name whose policies to list with --user, --group, --role or --guardrail");
        }
        return run_admin(context, "policy list", [o, principal](DataDir& data) -> Result<Outcome> {
          gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
          auto listed = directory.attached_policies(o->tenant, principal->first, principal->second);
          if (!listed) return listed.error();
          std::string out;
          for (const auto& a : *listed) {
            out += fmt::format("{}  {}\n", a.id,
                               a.policy.managed_name ? *a.policy.managed_name : *a.policy.document);
          }
          return Outcome{out, ""};
        });
      };
    });
  }
  {
    struct Options {
      std::string tenant = std::string(gov::kDefaultTenant);
      std::string id;
    };
    auto o = std::make_shared<Options>();
    auto* detach = policy->add_subcommand("detach", "remove a policy attachment");
    detach->add_option("ID", o->id, "the attachment id (from `ward admin policy list`)")
        ->required();
    add_tenant_option(*detach, o->tenant);
    on_run(
        *detach, context,
        [o](DataDir& data) -> Result<Outcome> {
          gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
          auto detached = directory.detach_policy(o->tenant, o->id);
          if (!detached) return detached.error();
          const std::string change = detached_text(gov::attachment_json(*detached), o->tenant);
          return Outcome{change + "\n", change};
        },
        [o](const ApiClient& api) -> Result<std::string> {
          return changed(
              api.remove("/api/v1/admin/policies/" + path_segment(o->id)),
              [](const json& a) { return detached_text(a, std::string(gov::kDefaultTenant)); });
        });
  }
}

// ---- tenant -----------------------------------------------------------------------------------

void add_tenant_commands(CLI::App& admin, CommandContext& context) {
  auto* tenant = admin.add_subcommand(
      "tenant", "organisations (a single-organisation install needs none: it uses `default`)");
  tenant->require_subcommand(1);
  {
    struct Options {
      std::string name;
      std::string region = "local";
      bool require_mfa = false;
    };
    auto o = std::make_shared<Options>();
    auto* create = tenant->add_subcommand("create", "create a tenant");
    create->add_option("NAME", o->name, "the tenant name")->required();
    create->add_option("--region", o->region, "its home region label (default local)")
        ->type_name("REGION");
    create->add_flag("--require-mfa", o->require_mfa, "password logins also need a TOTP code");
    on_run(*create, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto created = directory.create_tenant(o->name, o->region, o->require_mfa);
      if (!created) return created.error();
      const std::string change =
          fmt::format("created tenant {} in region {}{}", created->name, created->region,
                      created->require_mfa ? ", MFA required" : "");
      return Outcome{change + "\n", change};
    });
  }
  {
    auto* list = tenant->add_subcommand("list", "list the tenants");
    on_run(*list, context, [](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto tenants = directory.list_tenants();
      if (!tenants) return tenants.error();
      std::string out = fmt::format("{:<24} {:<16} {:<12} {:<12} {}\n", "NAME", "REGION", "TIER",
                                    "MFA", "STATUS");
      for (const auto& t : *tenants) {
        out += fmt::format("{:<24} {:<16} {:<12} {:<12} {}\n", t.name, t.region, t.tier,
                           t.require_mfa ? "required" : "optional",
                           t.deletion_due ? "deletion due " + core::format_rfc3339(*t.deletion_due)
                                          : std::string(gov::account_status_name(t.status)));
      }
      return Outcome{out, ""};
    });
  }
  {
    struct Options {
      std::string name;
      std::string setting;
    };
    auto o = std::make_shared<Options>();
    auto* mfa = tenant->add_subcommand("require-mfa", "require MFA for password logins, or not");
    mfa->add_option("NAME", o->name, "the tenant")->required();
    mfa->add_option("SETTING", o->setting, "on or off")
        ->required()
        ->check(CLI::IsMember({"on", "off"}));
    on_run(*mfa, context, [o](DataDir& data) -> Result<Outcome> {
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto updated = directory.set_require_mfa(o->name, o->setting == "on");
      if (!updated) return updated.error();
      const std::string change =
          fmt::format("MFA is now {} for tenant {}", updated->require_mfa ? "required" : "optional",
                      updated->name);
      return Outcome{change + "\n", change};
    });
  }
  {
    struct Options {
      std::string name;
      std::string tier;
    };
    auto o = std::make_shared<Options>();
    auto* tier = tenant->add_subcommand(
        "set-tier", "put a tenant on a tier profile (quotas, content storage, retention, BYOK)");
    tier->add_option("NAME", o->name, "the tenant")->required();
    tier->add_option("TIER", o->tier, "free, pro, or a [tiers.NAME] of the configuration")
        ->required();
    on_run(*tier, context, [o](DataDir& data) -> Result<Outcome> {
      auto catalog = gov::tier_catalog(data.config);
      if (!catalog) return catalog.error();
      if (auto known = catalog->find(o->tier); !known) return known.error();
      gov::Directory directory(*data.db, core::system_clock(), identity_options(data));
      auto updated = directory.set_tier(o->name, o->tier);
      if (!updated) return updated.error();
      const std::string change =
          fmt::format("tenant {} is now on tier {}", updated->name, updated->tier);
      return Outcome{change + "\n", change};
    });
  }
}

}  // namespace

void add_admin_commands(CLI::App& admin, CommandContext& context) {
  add_remote_admin_options(admin, context);
  add_user_commands(admin, context);
  add_token_commands(admin, context);
  add_role_commands(admin, context);
  add_group_commands(admin, context);
  add_policy_commands_for_admin(admin, context);
  add_tenant_commands(admin, context);
}

}  // namespace ward::cli
