#pragma once
// A test fixture running the real `ward serve` binary on loopback over real TLS, with helpers to
// call its API, bootstrap an administrator and create developers with API tokens.

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace ward::test {

using nlohmann::json;

// A small random-weight model with the StarCoder vocabulary (it has FIM tokens), made once per
// test program with `ward model synth`, for tests that serve a model.
inline const std::string& synthesized_code_model() {
  static const TempDir dir;
  static const std::string path = [] {
    const std::string file = (dir.path() / "coder.gguf").string();
    auto synth = run_ward({"model", "synth", "--preset", "tiny", "--type", "q8_0", "--vocab",
                           fixture("vocab/ggml-vocab-starcoder.gguf").string(), "-o", file});
    EXPECT_EQ(synth.exit_code, 0) << synth.err;
    return file;
  }();
  return path;
}

class WardServeTest : public ::testing::Test {
 protected:
  // Starts `ward serve` with `config` as its ward.toml and `extra_args` after the usual ones.
  void start(const std::string& config, const std::vector<std::string>& extra_args) {
    write_text(dir_ / "ward.toml", config);
    std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    server_ = std::make_unique<BackgroundWard>(args, env());
    std::smatch match;
    const std::string line = server_->wait_for_line("listening on https://");
    ASSERT_TRUE(std::regex_search(line, match, std::regex(":(\\d+)"))) << server_->err();
    port_ = std::stoi(match[1]);
    const std::string token_line = server_->wait_for_line("wardboot_");
    ASSERT_TRUE(std::regex_search(token_line, match, std::regex("wardboot_[0-9a-f]+")));
    bootstrap_token_ = match[0];
  }

  std::map<std::string, std::string> env() const {
    return {{"HOME", (dir_ / "home").string()}, {"WARD_CONFIG", (dir_ / "ward.toml").string()}};
  }
  std::string data_dir() const { return (dir_ / "data").string(); }

  httplib::Result call(const std::string& method, const std::string& path,
                       const std::string& token = "", const std::string& body = "") {
    httplib::SSLClient client("127.0.0.1", port_);
    client.enable_server_certificate_verification(false);
    client.set_read_timeout(120, 0);  // generous: the sanitizer build generates slowly
    httplib::Headers headers = {{"User-Agent", "gateway-test"}};
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    if (method == "GET") return client.Get(path.c_str(), headers);
    if (method == "DELETE") return client.Delete(path.c_str(), headers);
    return client.Post(path.c_str(), headers, body, "application/json");
  }

  // The JSON body of a request that must answer `status`.
  json expect(int status, const std::string& method, const std::string& path,
              const std::string& token = "", const json& body = nullptr) {
    auto result = call(method, path, token, body.is_null() ? "" : body.dump());
    EXPECT_TRUE(result) << "no response for " << method << " " << path;
    if (!result) return nullptr;
    EXPECT_EQ(result->status, status) << method << " " << path << ": " << result->body;
    return json::parse(result->body, nullptr, false);
  }

  // Redeems the bootstrap token for the administrator "alice"; returns her API token.
  std::string bootstrap() {
    json out = expect(201, "POST", "/api/v1/bootstrap", "",
                      {{"token", bootstrap_token_}, {"user", "alice"}});
    return out.value("token", "");
  }

  // Creates user `name` with WardDeveloperAccess and returns an API token for them.
  std::string developer(const std::string& admin, const std::string& name) {
    expect(201, "POST", "/api/v1/admin/users", admin, {{"name", name}});
    expect(201, "POST", "/api/v1/admin/policies", admin,
           {{"user", name}, {"managed", "WardDeveloperAccess"}});
    return expect(201, "POST", "/api/v1/admin/tokens", admin, {{"user", name}}).value("token", "");
  }

  json events(const std::string& admin, const std::string& query) {
    return expect(200, "GET", "/api/v1/audit/events?" + query, admin)["events"];
  }

  TempDir dir_;
  std::unique_ptr<BackgroundWard> server_;
  int port_ = 0;
  std::string bootstrap_token_;
};

}  // namespace ward::test
