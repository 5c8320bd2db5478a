Content-Length: 168

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {"general": {"positionEncodings": ["utf-8"]}, "textDocument": {"inlineCompletion": {}}}}}Content-Length: 240

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///w/m.c", "languageId": "c", "version": 1, "text": "int main(void) {\r\n  char b[8]; /* \ud83d\ude00 */\r\n  gets(b);\r\n  return 0;\r\n}\r\n"}}}Content-Length: 348

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///w/m.c", "version": 2}, "contentChanges": [{"text": "int main(void) {\r\n  char b[8]; /* \ud83d\ude00 */\r\n  fgets(b);\r\n  return 0;\r\n}\r\n"}, {"range": {"start": {"line": 1, "character": 20}, "end": {"line": 2, "character": 3}}, "text": "\r"}]}}Content-Length: 203

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///w/m.c"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}}Content-Length: 166

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/inlineCompletion", "params": {"textDocument": {"uri": "file:///w/m.c"}, "position": {"line": 2, "character": 99}}}Content-Length: 65

{"jsonrpc": "2.0", "id": 4, "method": "shutdown", "params": null}Content-Length: 52

{"jsonrpc": "2.0", "method": "exit", "params": null}