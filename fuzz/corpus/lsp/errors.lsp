Content-Length: 78

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/codeAction", "params": {}}Content-Length: 38

{"jsonrpc": "2.0", "id": 2, "method": Content-Length: 83

{"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {"capabilities": {}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": {"capabilities": {}}}Content-Length: 56

{"jsonrpc": "2.0", "id": {"x": 1}, "method": "shutdown"}Content-Length: 40

{"jsonrpc": "2.0", "id": 5, "method": 7}Content-Length: 70

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": [1, 2]}Content-Length: 130

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///nope"}, "contentChanges": "x"}}Content-Length: 164

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/inlineCompletion", "params": {"textDocument": {"uri": "file:///nope"}, "position": {"line": 0, "character": 0}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 7, "method": "workspace/symbol", "params": {"query": "x"}}Content-Length: 43

{"jsonrpc": "2.0", "id": 8, "result": null}Content-Length: 52

{"jsonrpc": "2.0", "method": "exit", "params": null}