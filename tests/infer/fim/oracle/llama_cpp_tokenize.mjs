// llama.cpp's tokenizer as a test oracle for the FIM prompts and `ward model tokenize`: reads a
// JSON file of requests, [{"vocab": "path.gguf", "text": "...", "special": true|false}, ...],
// and prints one JSON array holding, per request, the ids llama.cpp gives (no BOS;
// "special" parses special-token texts as node-llama-cpp's tokenize(text, true) does).
//
// llama.cpp comes from node-llama-cpp 3.21.1, installed in the repository's node_modules from
// package-lock.json (scripts/setup); it is never part of Ward. The tests run it live:
//   node tests/infer/fim/oracle/llama_cpp_tokenize.mjs requests.json
import fs from "fs";
import {getLlama} from "node-llama-cpp";

const requests = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const models = new Map();
const results = [];
for (const request of requests) {
  if (!models.has(request.vocab)) {
    models.set(request.vocab, await llama.loadModel({modelPath: request.vocab, vocabOnly: true}));
  }
  const model = models.get(request.vocab);
  results.push(Array.from(model.tokenize(request.text, request.special === true)));
}
for (const model of models.values()) await model.dispose();
process.stdout.write(JSON.stringify(results) + "\n");
