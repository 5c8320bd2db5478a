// `ward audit verify|query|export`: checks the audit log's hash chain and signed checkpoints,
// shows events, and exports them for a SIEM, to stdout or to a syslog server over TCP or TLS
// (docs/audit.md).
//
// Who may run them: these are local commands that work on the data directory directly, so the
// operating system governs them through that directory's file permissions (the data directory
// and the database are owner-only). Whoever can open the directory can read the database file
// itself, so a policy check here would protect nothing; the policy engine decides for requests
// to `ward serve`, whose callers do not own the directory.
//
// What local commands do get is an audit trail. Reading the log (query, export) is itself
// audited: the command records a ward:AuditRead or ward:AuditExport event, whose actor is the
// local OS user with auth method "local", and releases nothing unless that event was written
// durably. `verify` only reads hashes and signatures and writes nothing, so it also runs on a copy
// of the database with nothing but the public key.

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "cli/audited_session.h"
#include "cli/commands.h"
#include "gov/audit/audit_log.h"
#include "gov/audit/export.h"
#include "gov/audit/query.h"
#include "gov/audit/signing_key.h"
#include "gov/audit/syslog_sender.h"
#include "gov/audit/verify.h"

namespace ward::cli {
namespace {

using core::Code;
using core::Error;

constexpr std::string_view kAuditResource = "ward:audit";
constexpr std::string_view kActionRead = "ward:AuditRead";
constexpr std::string_view kActionExport = "ward:AuditExport";

// The flags of query and export, as given.
struct Filters {
  std::string since;
  std::string until;
  std::string actor;
  std::string action;
  std::string outcome;
  std::int64_t limit = 0;
};

struct VerifyFlags {
  std::string public_key;
  std::string anchor;
};

struct QueryFlags {
  Filters filters;
  bool json = false;
};

struct ExportFlags {
  Filters filters;
  std::string format;
  std::string to;  // a syslog destination URL; empty: stdout
  std::string ca;
  std::string client_cert;
  std::string client_key;
};

core::Result<gov::AuditQuery> to_query(const Filters& filters) {
  gov::AuditQuery query;
  if (!filters.since.empty()) {
    auto since = gov::parse_audit_time(filters.since);
    if (!since) return Error(Code::kInvalidArgument, "--since", since.error().message());
    query.since = *since;
  }
  if (!filters.until.empty()) {
    auto until = gov::parse_audit_time(filters.until);
    if (!until) return Error(Code::kInvalidArgument, "--until", until.error().message());
    query.until = *until;
  }
  if (!filters.outcome.empty()) {
    auto outcome = gov::parse_audit_outcome(filters.outcome);
    if (!outcome) return Error(Code::kInvalidArgument, "--outcome", outcome.error().message());
    query.outcome = *outcome;
  }
  if (filters.limit < 0) {
    return Error(Code::kInvalidArgument, "--limit", "the limit is 0 (no limit) or more");
  }
  query.actor = filters.actor;
  query.action = filters.action;
  query.limit = filters.limit;
  return query;
}

// The filters as audit parameters. The actor filter is a user's name, which is personal data the
// chain could never erase, so only its presence is recorded.
gov::AuditParams filter_params(const Filters& filters) {
  gov::AuditParams params;
  if (!filters.since.empty()) params.set("since", filters.since);
  if (!filters.until.empty()) params.set("until", filters.until);
  if (!filters.actor.empty()) params.set("actor_filter", true);
  if (!filters.action.empty()) params.set("action", filters.action);
  if (!filters.outcome.empty()) params.set("outcome", filters.outcome);
  if (filters.limit > 0) params.set("limit", filters.limit);
  return params;
}

int usage_error(const Error& error) {
  std::cerr << "ward: error: " << error.to_string() << "\n";
  return kExitUsage;
}

core::Status write_stdout(const std::string& text) {
  std::cout << text;
  if (!std::cout) {
    return Error(Code::kUnavailable, "stdout",
                 "writing the output failed (closed pipe or full disk)");
  }
  return {};
}

// ---- verify ----

core::Result<gov::AuditVerifyOptions> parse_anchor(const std::string& text) {
  gov::AuditVerifyOptions options;
  if (text.empty()) return options;
  const auto colon = text.find(':');
  const Error bad(Code::kInvalidArgument, "--anchor",
                  "an anchor is SEQ:HASH, an event number and its 64-digit hex hash as shown by "
                  "`ward audit verify` or an export");
  if (colon == std::string::npos) return bad;
  try {
    std::size_t used = 0;
    const long long seq = std::stoll(text.substr(0, colon), &used);
    if (used != colon || seq < 1) return bad;
    options.anchor_seq = seq;
  } catch (const std::exception&) {
    return bad;
  }
  auto hash = crypto::from_hex(text.substr(colon + 1));
  if (!hash || hash->size() != crypto::kSha256Size) return bad;
  options.anchor_hash.emplace();
  std::copy(hash->begin(), hash->end(), options.anchor_hash->begin());
  return options;
}

int run_verify(const core::ConfigInputs& inputs, const VerifyFlags& flags) {
  auto anchor = parse_anchor(flags.anchor);
  if (!anchor) return usage_error(anchor.error());
  auto data = open_data_dir(inputs);
  if (!data) return report(data.error());
  std::filesystem::path key_file = flags.public_key.empty()
                                       ? gov::audit_public_key_file(data->config.data_dir)
                                       : inputs.working_dir / flags.public_key;
  std::error_code ec;
  if (flags.public_key.empty() && !std::filesystem::exists(key_file, ec)) {
    return report(Error(Code::kNotFound, key_file.string(),
                        "there is no audit public key here (nothing has been signed in this data "
                        "directory yet); pass --public-key FILE"));
  }
  auto public_key = gov::read_audit_public_key(key_file);
  if (!public_key) return report(public_key.error());
  auto verified = gov::verify_audit_log(*data->db, *public_key, *anchor);
  if (!verified) return report(verified.error());
  std::cout << verified->summary();
  std::cout.flush();
  if (verified->intact()) return kExitOk;
  // The message names the first bad event (number and id) and what is wrong with it.
  return report(
      Error(Code::kDataLoss, "audit log", "tampered with: " + verified->problem->message));
}

// ---- query ----

std::string text_table(const std::vector<gov::AuditRecord>& records) {
  if (records.empty()) return "no matching audit events\n";
  std::string out = fmt::format("{:<6} {:<24} {:<8} {:<16} {:<20} {}\n", "SEQ", "TIME", "OUTCOME",
                                "ACTOR", "ACTION", "RESOURCE");
  for (const auto& r : records) {
    std::string actor = r.erased ? "(erased)" : (r.actor.user.empty() ? "-" : r.actor.user);
    std::string outcome(gov::audit_outcome_name(r.outcome));
    if (!r.error_code.empty()) outcome += ":" + r.error_code;
    out += fmt::format("{:<6} {:<24} {:<8} {:<16} {:<20} {}\n", r.seq, r.time, outcome, actor,
                       r.action, r.resource.empty() ? "-" : r.resource);
  }
  return out;
}

int run_query(const core::ConfigInputs& inputs, const QueryFlags& flags) {
  auto query = to_query(flags.filters);
  if (!query) return usage_error(query.error());
  auto session = AuditedSession::open(inputs);
  if (!session) return report(session.error());
  gov::AuditParams params = filter_params(flags.filters);
  auto records = gov::query_audit_events((*session)->db(), *query);
  if (!records) return (*session)->fail(kActionRead, kAuditResource, params, records.error());
  params.set("results", static_cast<std::int64_t>(records->size()));
  // Nothing is shown unless the read was recorded.
  if (auto s = (*session)->record(kActionRead, kAuditResource, params, gov::AuditOutcome::kAllowed);
      !s) {
    return report(s.error());
  }
  (*session)->finish();
  std::string out;
  if (flags.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& r : *records) array.push_back(gov::audit_record_json(r));
    out = array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    out = text_table(*records);
  }
  if (auto s = write_stdout(out); !s) return report(s.error());
  return kExitOk;
}

// ---- export ----

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "-";
  return name;
}

// Where --to sends the export, checked before anything is read or recorded.
struct RemoteExport {
  gov::SyslogDestination destination;
  gov::SyslogSenderOptions options;
};

core::Result<std::optional<RemoteExport>> parse_remote(const core::ConfigInputs& inputs,
                                                       const ExportFlags& flags) {
  const bool tls_files =
      !flags.ca.empty() || !flags.client_cert.empty() || !flags.client_key.empty();
  if (flags.to.empty()) {
    if (tls_files) {
      return Error(Code::kInvalidArgument, "--ca",
                   "--ca, --client-cert and --client-key apply to --to tls://HOST:PORT only");
    }
    return std::optional<RemoteExport>();
  }
  auto destination = gov::parse_syslog_destination(flags.to);
  if (!destination) return Error(Code::kInvalidArgument, "--to", destination.error().message());
  if (destination->transport != gov::SyslogTransport::kTls && tls_files) {
    return Error(Code::kInvalidArgument, "--ca",
                 "--ca, --client-cert and --client-key apply to tls:// destinations only");
  }
  if (flags.client_cert.empty() != flags.client_key.empty()) {
    return Error(
        Code::kInvalidArgument, flags.client_cert.empty() ? "--client-key" : "--client-cert",
        "a client certificate needs its key: give --client-cert and --client-key together");
  }
  RemoteExport remote{*destination, {}};
  const auto resolve = [&](const std::string& path) {
    return path.empty() ? std::filesystem::path() : inputs.working_dir / path;
  };
  remote.options.ca_file = resolve(flags.ca);
  remote.options.client_cert_file = resolve(flags.client_cert);
  remote.options.client_key_file = resolve(flags.client_key);
  return std::optional<RemoteExport>(std::move(remote));
}

// Records the failed export (with how far it got) and reports it, saying where to resume.
struct LastSent {
  std::int64_t seq = 0;
  std::string time;
};

int fail_remote_export(AuditedSession& session, gov::AuditParams params, const Error& error,
                       std::int64_t sent, const LastSent& last) {
  std::string progress = "no events were sent";
  if (sent > 0) {
    progress = fmt::format(
        "{} event{} sent before the failure (the last: event {}, {}); resume with --since {}, "
        "or earlier if the server lost some in transit",
        sent, sent == 1 ? " was" : "s were", last.seq, last.time, last.time);
  }
  params.set("sent", sent);
  return session.fail(kActionExport, kAuditResource, params,
                      Error(error.code(), error.where(), error.message() + "; " + progress));
}

// Sends the matching events to a syslog server, one octet-counted frame each. The export event is
// already durable; a failure is recorded as a second event with outcome "error".
int send_to_syslog(AuditedSession& session, const RemoteExport& remote, gov::AuditParams params,
                   const gov::AuditQuery& query, gov::AuditExportFormat format,
                   const gov::AuditSyslogOptions& syslog) {
  auto sender = gov::SyslogSender::connect(remote.destination, remote.options);
  if (!sender) return fail_remote_export(session, params, sender.error(), 0, {});
  if (remote.destination.transport == gov::SyslogTransport::kTcp && !sender->peer_is_loopback()) {
    std::cerr << "ward: warning: " << remote.destination.url() << " (" << sender->peer_address()
              << ") is not a loopback address: the audit events travel unencrypted and "
                 "unauthenticated; use tls:// unless this network is trusted\n";
  }
  LastSent last;
  core::Status sent;
  core::Status scanned =
      gov::scan_audit_events(session.db(), query, [&](const gov::AuditRecord& record) {
        sent = sender->send(gov::audit_export_line(record, format, syslog));
        if (sent) last = {record.seq, record.time};
        return sent.ok();
      });
  const auto fail = [&](const Error& error) {
    return fail_remote_export(session, params, error, sender->sent(), last);
  };
  if (!sent) return fail(sent.error());
  if (!scanned) return fail(scanned.error());
  if (auto closed = sender->close(); !closed) return fail(closed.error());
  const std::string via = sender->tls_version().empty() ? "unencrypted" : sender->tls_version();
  const std::int64_t count = sender->sent();
  if (auto s = write_stdout(fmt::format("sent {} audit event{} to {} ({})\n", count,
                                        count == 1 ? "" : "s", remote.destination.url(), via));
      !s) {
    return report(s.error());
  }
  return kExitOk;
}

int run_export(const core::ConfigInputs& inputs, const ExportFlags& flags) {
  auto format = gov::parse_audit_export_format(flags.format);
  if (!format) return usage_error(format.error());
  auto query = to_query(flags.filters);
  if (!query) return usage_error(query.error());
  auto remote = parse_remote(inputs, flags);
  if (!remote) return usage_error(remote.error());
  auto session = AuditedSession::open(inputs);
  if (!session) return report(session.error());
  gov::AuditParams params = filter_params(flags.filters);
  params.set("format", flags.format);
  if (*remote) {
    // Where the events go, never how the client authenticates (no file names, no keys).
    const auto& destination = (*remote)->destination;
    params.set("destination_scheme", gov::syslog_scheme(destination.transport));
    params.set("destination_host", destination.host);
    params.set("destination_port", static_cast<std::int64_t>(destination.port));
    if (!flags.client_cert.empty()) params.set("client_certificate", true);
  }
  // An export can be large, so it is recorded before anything is written or sent (and so
  // includes itself when the filters match it).
  if (auto s =
          (*session)->record(kActionExport, kAuditResource, params, gov::AuditOutcome::kAllowed);
      !s) {
    return report(s.error());
  }
  (*session)->finish();
  gov::AuditSyslogOptions syslog;
  syslog.hostname = host_name();
  if (*remote) return send_to_syslog(**session, **remote, params, *query, *format, syslog);
  core::Status written;
  core::Status scanned =
      gov::scan_audit_events((*session)->db(), *query, [&](const gov::AuditRecord& record) {
        written = write_stdout(gov::audit_export_line(record, *format, syslog) + "\n");
        return written.ok();
      });
  std::cout.flush();
  if (!scanned) return report(scanned.error());
  if (!written) return report(written.error());
  return kExitOk;
}

void add_filter_flags(CLI::App& command, Filters& filters) {
  command.add_option("--since", filters.since, "events at or after this time (RFC 3339 or a date)")
      ->type_name("TIME");
  command.add_option("--until", filters.until, "events before this time (RFC 3339 or a date)")
      ->type_name("TIME");
  command.add_option("--actor", filters.actor, "events by this user")->type_name("USER");
  command.add_option("--action", filters.action, "events of this action, e.g. ward:AdminUsers")
      ->type_name("ACTION");
  command.add_option("--outcome", filters.outcome, "allowed, denied or error")
      ->type_name("OUTCOME")
      ->check(CLI::IsMember({"allowed", "denied", "error"}));
}

}  // namespace

void add_audit_commands(CLI::App& app, CommandContext& context) {
  auto* audit =
      app.add_subcommand("audit", "verify, query and export the tamper-evident audit log");
  audit->require_subcommand(1);

  auto verify_flags = std::make_shared<VerifyFlags>();
  auto* verify = audit->add_subcommand(
      "verify", "check the hash chain and the signed checkpoints; exit 1 on any tampering");
  verify
      ->add_option("--public-key", verify_flags->public_key,
                   "the checkpoint public key (default: <data dir>/keys/audit-signing.pub; use "
                   "a copy kept elsewhere)")
      ->type_name("FILE");
  verify
      ->add_option("--anchor", verify_flags->anchor,
                   "an event number and hash recorded elsewhere, e.g. in the SIEM")
      ->type_name("SEQ:HASH");
  verify->callback([&context, verify_flags] {
    context.action = [&context, verify_flags] { return run_verify(context.inputs, *verify_flags); };
  });

  auto query_flags = std::make_shared<QueryFlags>();
  query_flags->filters.limit = 100;
  auto* query = audit->add_subcommand("query", "show audit events (this read is itself audited)");
  add_filter_flags(*query, query_flags->filters);
  query->add_option("--limit", query_flags->filters.limit, "the newest N matches (0: all)")
      ->capture_default_str()
      ->type_name("N");
  query->add_flag("--json", query_flags->json, "print a JSON array");
  query->callback([&context, query_flags] {
    context.action = [&context, query_flags] { return run_query(context.inputs, *query_flags); };
  });

  auto export_flags = std::make_shared<ExportFlags>();
  auto* exported = audit->add_subcommand(
      "export",
      "write events to stdout, one per line, or send them to a syslog server, for a SIEM (this "
      "read is itself audited)");
  exported->add_option("--format", export_flags->format, "jsonl, syslog (RFC 5424) or cef")
      ->type_name("FORMAT")
      ->required()
      ->check(CLI::IsMember({"jsonl", "syslog", "cef"}));
  add_filter_flags(*exported, export_flags->filters);
  exported->add_option("--limit", export_flags->filters.limit, "the oldest N matches (0: all)")
      ->type_name("N");
  exported
      ->add_option("--to", export_flags->to,
                   "send to a syslog server instead of stdout: tls://HOST:PORT (RFC 5425) or, "
                   "unencrypted, tcp://HOST:PORT (RFC 6587)")
      ->type_name("URL");
  exported
      ->add_option("--ca", export_flags->ca,
                   "tls://: the CA certificates (PEM) that issued the server's certificate "
                   "(default: the system's trust store)")
      ->type_name("FILE");
  exported
      ->add_option("--client-cert", export_flags->client_cert,
                   "tls://: a client certificate (PEM) for servers that require mutual TLS")
      ->type_name("FILE");
  exported
      ->add_option("--client-key", export_flags->client_key,
                   "tls://: the client certificate's unencrypted private key (PEM)")
      ->type_name("FILE");
  exported->callback([&context, export_flags] {
    context.action = [&context, export_flags] { return run_export(context.inputs, *export_flags); };
  });
}

}  // namespace ward::cli
