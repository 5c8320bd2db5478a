#pragma once
// Helpers for the policy engine's tests: policies from JSON text, diagnostics as (severity, path)
// pairs, requests. Single-threaded use within one test.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gov/policy/parser.h"
#include "gov/policy/request.h"

namespace ward::gov::test {

// Parses `text`, failing the test (with every diagnostic) if it is not a valid policy.
inline PolicyRef must_parse(const std::string& text, const std::string& name = "test.json") {
  PolicyParse parsed = parse_policy(text, name);
  std::string all;
  for (const auto& d : parsed.diagnostics) all += d.path + ": " + d.message + "\n";
  EXPECT_TRUE(parsed.ok()) << all << text;
  return parsed.policy;
}

// A policy with one statement: {"Effect": effect, "Action": actions, "Resource": resources, ...}
// where `extra` is more of the statement's members (e.g. `"Condition": {...}`), all as JSON text.
inline std::string one_statement(const std::string& effect, const std::string& actions,
                                 const std::string& resources, const std::string& extra = "",
                                 const std::string& sid = "") {
  std::string statement =
      R"({"Effect": ")" + effect + R"(", "Action": )" + actions + R"(, "Resource": )" + resources;
  if (!sid.empty()) statement += R"(, "Sid": ")" + sid + R"(")";
  if (!extra.empty()) statement += ", " + extra;
  statement += "}";
  return R"({"Version": "2024-01-01", "Statement": [)" + statement + "]}";
}

inline std::vector<std::pair<std::string, std::string>> errors_and_warnings(
    const PolicyParse& parsed) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : parsed.diagnostics) {
    out.emplace_back(d.severity == DiagnosticSeverity::kError ? "error" : "warning", d.path);
  }
  return out;
}

inline std::string message_at(const PolicyParse& parsed, const std::string& path) {
  for (const auto& d : parsed.diagnostics) {
    if (d.path == path) return d.message;
  }
  return "<no diagnostic at " + path + ">";
}

inline AccessRequest request_for(std::string action, std::string resource,
                                 std::string user = "alice", std::string tenant = "acme") {
  AccessRequest request;
  request.action = std::move(action);
  request.resource = std::move(resource);
  request.principal.username = std::move(user);
  request.principal.tenant = std::move(tenant);
  return request;
}

}  // namespace ward::gov::test
