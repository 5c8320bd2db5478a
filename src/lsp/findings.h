#pragma once
// Ward's security scanner inside the editor: the findings for an open document as LSP
// diagnostics (publishDiagnostics), and the rules' deterministic fixes as quick-fix code actions
// (textDocument/codeAction). The scan is the same as `ward scan`'s on that file's text.
//
// Threads: a DocumentScanner is used by the server's main thread only.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/error.h"
#include "lsp/document.h"
#include "scan/scanner.h"

namespace ward::lsp {

// The language the scanner reads a document as: its LSP languageId when that names one
// ("python", "go", "javascriptreact", "typescriptreact", …), else the extension of its URI's
// path; nullopt when neither is a language the scanner knows.
std::optional<scan::Language> scanned_language(const Document& document);

// The file a file:// URI names (percent-decoded); nullopt for other schemes, a malformed URI or
// one that decodes to bytes that are not UTF-8.
std::optional<std::string> file_path_of(std::string_view uri);

class DocumentScanner {
 public:
  explicit DocumentScanner(scan::RuleSet rules) : rules_(std::move(rules)) {}

  // The findings for the document's current text (scanned again only when its revision changed;
  // forget() a document when it is closed, since a reopened one counts revisions from 0 again).
  // A document in a language the scanner does not read has none. Errors: scan_text's (a
  // document over the scanner's 2 MiB limit).
  core::Result<const scan::ScanResult*> scan(const Document& document);
  void forget(const std::string& uri) { results_.erase(uri); }

  // publishDiagnostics' params for the document's findings.
  nlohmann::json diagnostics(const Document& document, const scan::ScanResult& result) const;
  // The quick fixes of the findings that overlap or touch [from, to] (byte offsets; a cursor is
  // from == to), as CodeAction[].
  nlohmann::json code_actions(const Document& document, const scan::ScanResult& result,
                              std::size_t from, std::size_t to) const;

 private:
  struct Scanned {
    std::uint64_t revision;
    scan::ScanResult result;
  };
  scan::RuleSet rules_;
  std::map<std::string, Scanned> results_;
};

}  // namespace ward::lsp
