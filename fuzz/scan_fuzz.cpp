// libFuzzer entry point for the security scanner, which reads untrusted source code (POST
// /api/v1/scan takes it from any signed-in user): the first byte picks the language, the rest is
// the file. Any bytes must give a result or an invalid_argument error (not UTF-8, too large) —
// never a crash, a hang or an exception — and every finding, trace step and fix edit must lie
// inside the text.
//
// Built with clang by fuzz/CMakeLists.txt (WARD_BUILD_FUZZ=ON); also compiled into the normal test
// executable, where ScanFuzzCorpus replays fuzz/corpus/scan/ through it. Single-threaded.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string_view>

#include "builtin_rules.h"
#include "scan/scanner.h"

namespace {

using namespace ward;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "scan_fuzz: invariant broken: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

void check_span(const scan::Span& span, size_t text_size) {
  check(span.start_byte <= span.end_byte, "a span starts before it ends");
  check(span.end_byte <= text_size, "a span lies inside the text");
  check(span.start_line >= 1 && span.start_line <= span.end_line, "lines are 1-based and ordered");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const scan::Language language = scan::kAllLanguages[data[0] % std::size(scan::kAllLanguages)];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    auto result = scan::scan_text(fuzz::builtin_rules(), text, "input", language);
    if (!result) {
      check(result.error().code() == core::Code::kInvalidArgument, "a refusal is invalid_argument");
      return 0;
    }
    check(result->files_scanned == 1, "the file is scanned");
    check(result->skipped.size() <= 1, "at most one note");
    for (const scan::Finding& finding : result->findings) {
      check(!finding.rule_id.empty(), "a finding names its rule");
      check_span(finding.span, text.size());
      for (const scan::TraceStep& step : finding.trace) check_span(step.span, text.size());
      if (!finding.fix) continue;
      uint32_t previous_end = 0;
      for (const scan::Edit& edit : finding.fix->edits) {
        check(edit.start_byte >= previous_end, "fix edits are sorted and do not overlap");
        check(edit.start_byte <= edit.end_byte && edit.end_byte <= text.size(),
              "edits lie inside the text");
        previous_end = edit.end_byte;
      }
    }
  } catch (...) {
    fail("an exception escaped the scan");
  }
  return 0;
}
