#!/usr/bin/env node
// OpenAI's own Node.js client library (the `openai` npm package, pinned in package.json) against
// `ward serve`, as an editor plugin or script would use it: the Ward API token as its API key and
// https://HOST:PORT/v1 as its base URL. Trusts the server's certificate through
// NODE_EXTRA_CA_CERTS, set by the caller.
//
// Usage (from the repository root): node tests/server/openai_client.mjs BASE_URL API_KEY MODEL
// Prints one JSON object: the model ids, a completion's text, a chat answer (greedy) and the same
// chat streamed, with usage; exits 1 with the client's error on stderr.

import OpenAI from "openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
if (!model) {
  process.stderr.write("usage: openai_client.mjs BASE_URL API_KEY MODEL\n");
  process.exit(2);
}
const client = new OpenAI({baseURL, apiKey, maxRetries: 0});
const messages = [{role: "system", content: "Answer briefly."}, {role: "user", content: "Say hi."}];
try {
  const models = await client.models.list();
  const completion = await client.completions.create(
      {model, prompt: "def add(a, b):", max_tokens: 8, temperature: 0});
  const chat = await client.chat.completions.create(
      {model, messages, max_tokens: 8, temperature: 0});
  const stream = await client.chat.completions.create(
      {model, messages, max_tokens: 8, temperature: 0, stream: true});
  let streamed = "";
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
  process.stdout.write(JSON.stringify({
    models: models.data.map((m) => m.id),
    completion: completion.choices[0].text,
    chat: chat.choices[0].message.content,
    chat_usage: chat.usage,
    streamed,
  }) + "\n");
} catch (error) {
  process.stderr.write(`openai_client.mjs: ${error?.status ?? ""} ${error?.message ?? error}\n`);
  process.exit(1);
}
