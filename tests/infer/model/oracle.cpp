#include "infer/model/oracle.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <span>

#include "support/test_support.h"

namespace ward::infer::model::testing {
namespace {

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string command_for(const OracleRequest& request, const std::filesystem::path& err) {
  std::string command = fmt::format("cd {} && node tests/infer/oracle/llama_cpp.mjs --model {} "
                                    "--threads {} --greedy {}",
                                    quoted(WARD_SOURCE_DIR), quoted(request.model.string()),
                                    request.threads, request.greedy);
  if (!request.logprobs) command += " --no-logprobs";
  for (const auto& arg : request.extra_args) command += " " + quoted(arg);
  for (const auto& prompt : request.prompts) command += " --prompt " + fmt::format("{}", fmt::join(prompt, ","));
  return command + " 2>" + quoted(err.string());
}

OracleResult parse_result(const nlohmann::json& item) {
  OracleResult result;
  if (item.contains("logprobs")) {
    for (const auto& value : item["logprobs"]) {
      result.logprobs.push_back(value.is_number() ? value.get<double>() : -INFINITY);
    }
  }
  for (const auto& step : item["greedy"]) {
    result.greedy.push_back({step["token"].get<tokenizer::TokenId>(), step["margin"].get<double>()});
  }
  return result;
}

}  // namespace

core::Result<std::vector<OracleResult>> run_oracle(const OracleRequest& request) {
  ward::test::TempDir scratch;
  const auto err = scratch / "stderr";
  FILE* pipe = ::popen(command_for(request, err).c_str(), "r");
  if (pipe == nullptr) return core::Error(core::Code::kInternal, "oracle", "popen failed");
  std::string out;
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) {
    return core::Error(core::Code::kInternal, "oracle",
                       fmt::format("node exited with {}: {}", status, ward::test::read_text(err)));
  }
  const auto json = nlohmann::json::parse(out, nullptr, false);
  if (json.is_discarded()) return core::Error(core::Code::kInternal, "oracle", "bad JSON: " + out.substr(0, 200));
  std::vector<OracleResult> results;
  for (const auto& item : json["results"]) results.push_back(parse_result(item));
  return results;
}

std::vector<double> log_softmax(std::span<const float> logits) {
  double max = -INFINITY;
  for (float l : logits) max = std::max(max, static_cast<double>(l));
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  const double log_sum = max + std::log(sum);
  std::vector<double> out;
  out.reserve(logits.size());
  for (float l : logits) out.push_back(static_cast<double>(l) - log_sum);
  return out;
}

}  // namespace ward::infer::model::testing
