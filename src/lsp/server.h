#pragma once
// `ward lsp`: a language server that editors (VS Code, Neovim, JetBrains IDEs, Visual Studio,
// Emacs, …) start and speak the Language Server Protocol to on stdin and stdout.
//
// What it offers:
//  - diagnostics: Ward's security scanner on every open document (on open and save at once, and
//    after a pause in typing), with the rules' fixes as quick-fix code actions;
//  - code completion from `ward serve` (textDocument/inlineCompletion for ghost text, and
//    textDocument/completion for editors without it), when a completion function is given: the
//    request goes to the gateway, which authenticates, decides, audits and runs the model, as
//    for any other client. A newer request for the same document stops the older one there.
//
// Threads: run() reads and answers messages on the calling thread; completions run on threads of
// their own (at most kMaxCompletionsInFlight) and answer when the gateway does, or with
// RequestCancelled when the editor cancelled them ($/cancelRequest).

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "scan/scanner.h"

namespace ward::lsp {

// Sends a body of `POST /api/v1/complete` to the gateway; gives its JSON answer.
using CompleteFunction = std::function<core::Result<nlohmann::json>(const nlohmann::json& body)>;

inline constexpr int kMaxCompletionsInFlight = 4;

struct LanguageServerOptions {
  scan::RuleSet rules;
  CompleteFunction complete;  // empty: no completion is offered
  // How long typing must pause before a changed document is scanned again.
  std::chrono::milliseconds scan_delay{400};
};

// Serves one editor on `in_fd` and `out_fd` until the exit notification or the end of the input.
// Returns the process exit code LSP asks for: 0 when exit followed shutdown, 1 otherwise. When
// the input cannot be read as LSP messages at all, says why on stderr and returns 1.
int serve(LanguageServerOptions options, int in_fd, int out_fd);

}  // namespace ward::lsp
