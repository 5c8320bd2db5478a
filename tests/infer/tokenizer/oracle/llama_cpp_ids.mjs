// Prints what llama.cpp's tokenizer gives (add_special = false) for the expectations in
// fixture_test.cpp: for each fixture vocabulary and each corpus, the number of ids and the FNV-1a
// 64 hash of those ids, each id as 4 little-endian bytes (parse_special = false; kLlamaCpp); then
// the ids of one chat/FIM markup text per vocabulary with parse_special on and off (Markup).
//
// llama.cpp comes from node-llama-cpp 3.21.1 (the build that produced the fixtures' .out files).
// It is a test oracle only, never part of Ward. To rerun (node resolves the package next to the
// script, so the script is copied beside it), from the repository root:
//   mkdir /tmp/oracle && (cd /tmp/oracle && npm install --ignore-scripts --omit=optional \
//     node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1)
//   cp tests/infer/tokenizer/oracle/llama_cpp_ids.mjs /tmp/oracle/
//   node /tmp/oracle/llama_cpp_ids.mjs ../shared/fixtures
import fs from "fs";
import path from "path";
import {getLlama} from "node-llama-cpp";

const fixtures = process.argv[2] ?? "../shared/fixtures";

// The code corpus: these fixture files, concatenated in this order.
const codeFiles = [
  "scan/bandit/tests/functional/test_functional.py",
  "scan/gosec/testutils/g115_samples.go",
  "scan/gosec/testutils/g118_samples.go",
  "scan/juliet-c/testcasesupport/io.c",
  "scan/juliet-c/testcasesupport/std_testcase.h",
  "scan/juliet-c/testcasesupport/std_thread.c",
];
const corpora = {
  code: codeFiles.map((f) => fs.readFileSync(path.join(fixtures, f), "utf8")).join(""),
  unicode_stress: fs.readFileSync("tests/infer/tokenizer/data/unicode_stress.txt", "utf8"),
};

function fnv1a64(ids) {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const id of ids) {
    for (let k = 0; k < 4; ++k) {
      hash ^= BigInt((id >>> (8 * k)) & 0xff);
      hash = (hash * prime) & 0xffffffffffffffffn;
    }
  }
  return hash.toString(16).padStart(16, "0");
}

const markup = {
  "llama-spm": "<s>[INST] hi </s> <unk>x [/INST]</s>",
  "phi-3": "<|user|>\nSYS\nHI<|end|>\n<|assistant|>\n </s>  a<s> b",
  "llama-bpe": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
      "<|start_header_id|>assistant<|end_header_id|>\n\n",
  "qwen2": "<|im_start|>system\nYou are<|im_end|>\n<|im_start|>user\nHi [PAD151650] </s>" +
      "<|im_end|>\n",
  "deepseek-coder": "<｜fim▁begin｜>def f():\n    ö<｜fim▁hole｜>\n<｜fim▁end｜><｜end▁of▁sentence｜>",
  "starcoder": "<fim_prefix>def f(<fim_suffix>)\n<fim_middle><|endoftext|><file_sep>",
  "refact": "<fim_prefix>x = 1<fim_suffix>\n<fim_middle><reponame>",
  "gpt-2": "hi<|endoftext|> there<|endoftext|></s>",
};

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
for (const vocab of ["llama-spm", "llama-bpe", "qwen2", "deepseek-coder", "starcoder", "refact",
                     "gpt-2", "phi-3"]) {
  const model = await llama.loadModel({
    modelPath: path.join(fixtures, "vocab", `ggml-vocab-${vocab}.gguf`), vocabOnly: true});
  for (const [name, text] of Object.entries(corpora)) {
    const ids = Array.from(model.tokenize(text, false));
    console.log(`{"${vocab}", "${name}", ${ids.length}, 0x${fnv1a64(ids)}ull},`);
  }
  const parsed = Array.from(model.tokenize(markup[vocab], true));
  const plain = Array.from(model.tokenize(markup[vocab], false));
  console.log(JSON.stringify({vocab, text: markup[vocab], parsed, plain}));
  await model.dispose();
}
