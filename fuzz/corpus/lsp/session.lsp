Content-Length: 107

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": "file:///w"}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 313

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///w/pkg/app.py", "languageId": "python", "version": 1, "text": "import os\nfrom flask import request\n\ndef run():\n    os.system(request.args[\"cmd\"])\n\nimport yaml\ndef load(p):\n    return yaml.load(open(p))\n"}}}Content-Length: 264

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///w/pkg/app.py", "version": 2}, "contentChanges": [{"range": {"start": {"line": 4, "character": 4}, "end": {"line": 4, "character": 13}}, "text": "subprocess.call"}]}}Content-Length: 244

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///w/pkg/app.py"}, "range": {"start": {"line": 8, "character": 16}, "end": {"line": 8, "character": 16}}, "context": {"diagnostics": []}}}Content-Length: 203

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/inlineCompletion", "params": {"textDocument": {"uri": "file:///w/pkg/app.py"}, "position": {"line": 5, "character": 0}, "context": {"triggerKind": 2}}}Content-Length: 167

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///w/pkg/app.py"}, "position": {"line": 3, "character": 10}}}Content-Length: 68

{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 4}}Content-Length: 113

{"jsonrpc": "2.0", "method": "textDocument/didSave", "params": {"textDocument": {"uri": "file:///w/pkg/app.py"}}}Content-Length: 114

{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///w/pkg/app.py"}}}Content-Length: 65

{"jsonrpc": "2.0", "id": 5, "method": "shutdown", "params": null}Content-Length: 52

{"jsonrpc": "2.0", "method": "exit", "params": null}