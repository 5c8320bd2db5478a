// The [taint] and [memory] tables of rule files, read into TaintSpec and MemorySpec; a rule's
// @set names expand to the sets' items.
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scan/syntax.h"
#include "scan/taint.h"

namespace ward::scan {
namespace {

// Appends `names` to `expanded`, each @set replaced by its items (which may name sets in turn);
// `within` holds the sets being expanded, so that a set that contains itself is an error.
core::Status expand_into(const TomlReader& reader, std::string_view key,
                         const TaintSpec::Sets& sets, const std::vector<std::string>& names,
                         std::vector<std::string>& expanded,
                         std::vector<std::string_view>& within) {
  for (const auto& name : names) {
    if (!name.starts_with("@")) {
      expanded.push_back(name);
      continue;
    }
    std::string_view set = std::string_view(name).substr(1);
    auto it = sets.find(set);
    if (it == sets.end()) {
      return reader.error(key, "refers to the set " + name + ", which no rule file defines");
    }
    if (std::find(within.begin(), within.end(), set) != within.end()) {
      return reader.error(key,
                          "refers to the set " + name + ", which contains itself: remove the loop");
    }
    within.push_back(set);
    if (auto status = expand_into(reader, key, sets, it->second, expanded, within); !status)
      return status;
    within.pop_back();
  }
  return core::ok_status();
}

core::Result<std::vector<std::string>> expand_sets(const TomlReader& reader, std::string_view key,
                                                   const TaintSpec::Sets& sets) {
  auto names = reader.strings(key);
  if (!names) return names.error();
  std::vector<std::string> expanded;
  std::vector<std::string_view> within;
  if (auto status = expand_into(reader, key, sets, *names, expanded, within); !status) {
    return status.error();
  }
  return expanded;
}

// range-checks = "upper" | "lower" | "any"; true, as earlier rule files say, is "any".
core::Result<TaintSpec::RangeCheck> read_range_checks(const TomlReader& reader) {
  using RangeCheck = TaintSpec::RangeCheck;
  if (!reader.has("range-checks")) return RangeCheck::kNone;
  if (auto flag = reader.optional_boolean("range-checks"); flag) {
    return **flag ? RangeCheck::kAny : RangeCheck::kNone;
  }
  auto text = reader.string("range-checks");
  if (text && *text == "upper") return RangeCheck::kUpper;
  if (text && *text == "lower") return RangeCheck::kLower;
  if (text && *text == "any") return RangeCheck::kAny;
  return reader.error(
      "range-checks",
      "must be \"upper\" (x < LIMIT checks x against overflow), \"lower\" (x > LIMIT, "
      "against underflow) or \"any\"");
}

}  // namespace

core::Result<TaintSpec> TaintSpec::parse(const TomlReader& reader, const Sets& sets) {
  if (auto status = reader.only_keys({"sources", "sanitizers", "sink", "parameter-decorators",
                                      "guards", "propagators", "range-checks", "validators"});
      !status) {
    return status.error();
  }
  TaintSpec spec;
  auto sources = expand_sets(reader, "sources", sets);
  if (!sources) return sources.error();
  if (sources->empty())
    return reader.error("sources", "is required: name where untrusted data comes from");
  for (auto& source : *sources) {
    size_t arrow = source.find("->");
    if (arrow == std::string::npos) {
      spec.sources.push_back(std::move(source));
      continue;
    }
    OutSource out;
    out.call = source.substr(0, arrow);
    std::string index = source.substr(arrow + 2);
    out.and_following = !index.empty() && index.back() == '+';
    if (out.and_following) index.pop_back();
    if (out.call.empty() || index.empty() ||
        index.find_first_not_of("0123456789") != std::string::npos) {
      return reader.error(
          "sources",
          "has \"" + source + "\": write an out-parameter source as CALL->N or CALL->N+");
    }
    out.first = std::stoul(index);
    spec.out_sources.push_back(std::move(out));
  }
  for (auto [key, target] : {std::pair{"propagators", &spec.propagators},
                             {"sanitizers", &spec.sanitizers},
                             {"parameter-decorators", &spec.parameter_decorators},
                             {"validators", &spec.validators}}) {
    auto names = expand_sets(reader, key, sets);
    if (!names) return names.error();
    *target = std::move(*names);
  }
  auto range_checks = read_range_checks(reader);
  if (!range_checks) return range_checks.error();
  spec.range_checks = *range_checks;
  auto guards = reader.strings("guards");
  if (!guards) return guards.error();
  spec.guards = std::move(*guards);
  auto sinks = reader.tables("sink");
  if (!sinks) return sinks.error();
  if (sinks->empty()) return reader.error("sink", "is required: add at least one [[taint.sink]]");
  for (const auto& table : *sinks) {
    if (auto status = table.only_keys({"call", "argument", "arguments", "keywords", "assign",
                                       "return", "from", "arithmetic", "index", "receiver"});
        !status) {
      return status.error();
    }
    TaintSink sink;
    if (table.has("call")) {
      auto call = CallPattern::parse(table, /*strict=*/false);
      if (!call) return call.error();
      sink.call = std::move(*call);
    }
    auto arguments = table.integers("arguments");
    if (!arguments) return arguments.error();
    for (int64_t index : *arguments) {
      if (index < 0) return table.error("arguments", "must hold indexes of 0 or more");
      sink.arguments.push_back(static_cast<size_t>(index));
    }
    auto keywords = table.strings("keywords");
    if (!keywords) return keywords.error();
    sink.keywords = std::move(*keywords);
    for (auto [key, target] : {std::pair{"assign", &sink.assign}, {"from", &sink.decorators}}) {
      auto names = expand_sets(table, key, sets);
      if (!names) return names.error();
      *target = std::move(*names);
    }
    for (auto [key, target] : {std::pair{"receiver", &sink.receiver},
                               {"return", &sink.returned},
                               {"index", &sink.index}}) {
      auto flag = table.optional_boolean(key);
      if (!flag) return flag.error();
      *target = flag->value_or(false);
    }
    auto arithmetic = table.strings("arithmetic");
    if (!arithmetic) return arithmetic.error();
    for (const auto& op : *arithmetic) {
      if (!one_of(op, {"+", "-", "*", "<<", "++", "--"})) {
        return table.error("arithmetic",
                           "may hold only \"+\", \"-\", \"*\", \"<<\", \"++\" and \"--\"");
      }
    }
    sink.arithmetic = std::move(*arithmetic);
    if (sink.call.callees.empty() && sink.assign.empty() && !sink.returned &&
        sink.arithmetic.empty() && !sink.index) {
      return table.error("call",
                         "is required (or `assign`, `arithmetic`, `index = true` or `return = "
                         "true`): say what the sink is");
    }
    if (sink.returned && sink.decorators.empty()) {
      return table.error(
          "from", "is required with `return = true`: name the decorators of request handlers");
    }
    spec.sinks.push_back(std::move(sink));
  }
  return spec;
}

core::Result<MemorySpec> MemorySpec::parse(const TomlReader& reader, const Sets& sets) {
  if (auto status = reader.only_keys({"check", "allocators", "deallocators", "dereferencing"});
      !status) {
    return status.error();
  }
  MemorySpec spec;
  auto check = reader.string("check");
  if (!check) return check.error();
  static const std::map<std::string, Check, std::less<>> kChecks = {
      {"double-free", Check::kDoubleFree},
      {"use-after-free", Check::kUseAfterFree},
      {"null-dereference", Check::kNullDereference},
      {"unchecked-allocation", Check::kUncheckedAllocation},
      {"leak", Check::kLeak},
      {"buffer-overflow", Check::kBufferOverflow},
      {"buffer-underwrite", Check::kBufferUnderwrite},
      {"buffer-overread", Check::kBufferOverread},
      {"buffer-underread", Check::kBufferUnderread}};
  auto it = kChecks.find(*check);
  if (it == kChecks.end()) {
    return reader.error(
        "check",
        "must be double-free, use-after-free, null-dereference, unchecked-allocation, leak, "
        "buffer-overflow, buffer-underwrite, buffer-overread or buffer-underread");
  }
  spec.check = it->second;
  for (auto [key, target] : {std::pair{"allocators", &spec.allocators},
                             {"deallocators", &spec.deallocators},
                             {"dereferencing", &spec.dereferencing}}) {
    auto names = expand_sets(reader, key, sets);
    if (!names) return names.error();
    *target = std::move(*names);
  }
  if (spec.allocators.empty() || spec.deallocators.empty()) {
    return reader.error("allocators",
                        "and `deallocators` are required: name the calls that allocate and free");
  }
  return spec;
}

}  // namespace ward::scan
