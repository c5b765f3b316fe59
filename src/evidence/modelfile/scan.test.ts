import { execFileSync } from "node:child_process";
import { deflateRawSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import {
  buildGguf,
  buildSafetensors,
  buildTorchZip,
  buildZip,
  concat,
  PickleBuilder,
  torchStateDictPickle,
} from "./corpus.ts";
import { findTemplateCodeExecution } from "./gguf.ts";
import { parseManifest } from "./manifest.ts";
import { type ModelTreeEntry, scanModelBytes, scanModelStream, scanModelTree } from "./scan.ts";

const enc = new TextEncoder();
const evil = () =>
  new PickleBuilder().proto(2).global("os", "system").str("id").tuple1().reduce().stop().bytes();
const rules = (r: { findings: Array<{ rule: string }> }) => r.findings.map((f) => f.rule);

async function scan(bytes: Uint8Array, chunk?: number) {
  if (chunk === undefined) return scanModelBytes(bytes, { path: "f" });
  async function* pieces() {
    for (let i = 0; i < bytes.length; i += chunk as number) yield bytes.slice(i, i + (chunk as number));
  }
  return scanModelStream(pieces(), { path: "f", size: bytes.length });
}

describe("PyTorch archives", () => {
  it("a torch.save-style zip is safe, recognised, and lists its imports", async () => {
    const r = await scan(buildTorchZip("model", 3));
    expect(r.format).toBe("pytorch_zip");
    expect(r.verdict).toBe("safe");
    expect(r.findings).toEqual([]);
    expect(r.imports.map((i) => i.name).sort()).toEqual([
      "FloatStorage",
      "OrderedDict",
      "_rebuild_tensor_v2",
    ]);
    expect(r.members).toContainEqual({ name: "model/data.pkl", format: "pickle" });
  });

  it("finds a malicious data.pkl and a malicious extra .pkl member, in small chunks too", async () => {
    const zip = buildZip([
      { name: "archive/data.pkl", data: evil() },
      {
        name: "archive/extra/other.pkl",
        data: new PickleBuilder().proto(4).stackGlobal("builtins", "exec").stop().bytes(),
      },
      { name: "archive/version", data: enc.encode("3\n") },
    ]);
    for (const chunk of [undefined, 7, 1000]) {
      const r = await scan(zip, chunk);
      expect(r.verdict).toBe("dangerous");
      expect(
        r.findings.filter((f) => f.rule === "pickle.import.dangerous").map((f) => `${f.member}:${f.name}`),
      ).toEqual(["archive/data.pkl:system", "archive/extra/other.pkl:exec"]);
    }
  });

  it("inflates deflated members and finds what they hide", async () => {
    const p = evil();
    const zip = buildZip([{ name: "archive/data.pkl", data: p, method: 8, compressed: deflateRawSync(p) }]);
    const r = await scan(zip, 13);
    expect(r.findings.find((f) => f.rule === "pickle.import.dangerous")?.member).toBe("archive/data.pkl");
  });

  it("handles members with data descriptors", async () => {
    const zip = buildZip([
      { name: "archive/data.pkl", data: evil(), dataDescriptor: true },
      { name: "archive/version", data: enc.encode("3\n"), dataDescriptor: true },
    ]);
    const r = await scan(zip, 5);
    expect(rules(r)).toEqual(["pickle.import.dangerous"]);
    expect(r.format).toBe("pytorch_zip");
  });

  it("legacy torch.save (pickles in a row, then raw storage bytes)", async () => {
    const magic = new PickleBuilder()
      .proto(2)
      .raw(0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19)
      .stop()
      .bytes();
    const small = () => new PickleBuilder().proto(2).int(1001).stop().bytes();
    const main = torchStateDictPickle([{ name: "w", key: "0", shape: [2, 2] }]);
    const keys = new PickleBuilder().proto(2).raw(0x5d).str("0").raw(0x61).stop().bytes();
    const file = concat([magic, small(), small(), main, keys, new Uint8Array(64).fill(0x63)]);
    const r = await scan(file);
    expect(r.format).toBe("pytorch_legacy");
    expect(r.verdict).toBe("safe");
    const bad = concat([magic, small(), small(), evil(), keys]);
    expect((await scan(bad)).verdict).toBe("dangerous");
  });
});

describe("cross-check with CPython's zipfile and pickle", () => {
  it("a zip streamed by zipfile (data descriptors, zip64 descriptors, deflate) is walked exactly", async () => {
    const script = [
      "import zipfile, pickle, sys, os",
      "class E:",
      "    def __reduce__(self): return (os.system, ('echo hi',))",
      "class Unseekable:",
      "    def __init__(self, f): self.f = f",
      "    def write(self, b): self.f.write(b); return len(b)",
      "    def flush(self): pass",
      "with zipfile.ZipFile(Unseekable(sys.stdout.buffer), 'w') as z:",
      "    z.writestr('archive/data.pkl', pickle.dumps(E(), protocol=2))",
      "    with z.open('archive/extra.pkl', 'w', force_zip64=True) as f: f.write(pickle.dumps({'a': [1, 2]}, protocol=4))",
      "    z.writestr('archive/deflated.pkl', pickle.dumps(E(), protocol=5), compress_type=zipfile.ZIP_DEFLATED)",
      "    z.writestr('archive/version', '3')",
    ].join("\n");
    const zip = new Uint8Array(execFileSync("python3", ["-c", script]));
    for (const chunk of [undefined, 3, 50]) {
      const r = await scan(zip, chunk);
      expect(r.format).toBe("pytorch_zip");
      expect(r.findings.map((f) => `${f.rule} ${f.member} ${f.module}.${f.name}`)).toEqual([
        "pickle.import.dangerous archive/data.pkl posix.system",
        "pickle.import.dangerous archive/deflated.pkl posix.system",
      ]);
    }
  });

  it("zip64: forced zip64 members and a zip64 end record (65,600 entries) give no finding", async () => {
    const script = [
      "import zipfile, io, sys, pickle",
      "b = io.BytesIO()",
      "with zipfile.ZipFile(b, 'w') as z:",
      "    with z.open('archive/data.pkl', 'w', force_zip64=True) as f: f.write(pickle.dumps([1, 2, 3], protocol=2))",
      "    for i in range(65600): z.writestr(f'archive/data/{i}', b'x')",
      "sys.stdout.buffer.write(b.getvalue())",
    ].join("\n");
    const zip = new Uint8Array(execFileSync("python3", ["-c", script], { maxBuffer: 64 * 1024 * 1024 }));
    const r = await scan(zip, 65536);
    expect(r.findings).toEqual([]);
    expect(r.format).toBe("pytorch_zip");
  });

  it("every protocol 0–5 of a pickled os.system call is dangerous", async () => {
    const script = [
      "import pickle, os, base64",
      "class E:",
      "    def __reduce__(self): return (os.system, ('echo hi',))",
      "print(' '.join(base64.b64encode(pickle.dumps(E(), protocol=p)).decode() for p in range(6)))",
    ].join("\n");
    const out = execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim().split(" ");
    for (const b64 of out) {
      const r = await scan(Buffer.from(b64, "base64"));
      expect(r.format).toBe("pickle");
      expect(r.findings.map((f) => `${f.module}.${f.name}`)).toEqual(["posix.system"]);
      expect(r.verdict).toBe("dangerous");
    }
  });
});

describe("hostile zips", () => {
  const benign = () => torchStateDictPickle([{ name: "w", key: "0", shape: [2, 2] }]);

  it.each([
    [
      "central directory names another file",
      [{ name: "archive/data.pkl", data: benign(), centralName: "archive/other.pkl" }],
      "zip.header_mismatch",
    ],
    ["path traversal", [{ name: "../../etc/cron.d/x", data: enc.encode("x") }], "zip.path_traversal"],
    ["absolute path", [{ name: "/etc/passwd", data: enc.encode("x") }], "zip.path_traversal"],
    [
      "duplicate names",
      [
        { name: "a/data.pkl", data: benign() },
        { name: "a/data.pkl", data: evil() },
      ],
      "zip.duplicate_name",
    ],
    ["encrypted member", [{ name: "a/data.pkl", data: benign(), flags: 1 }], "zip.encrypted"],
    [
      "member only in local headers",
      [
        { name: "a/data.pkl", data: benign() },
        { name: "a/x.pkl", data: evil(), omitFromCentral: true },
      ],
      "zip.local_only",
    ],
    [
      "declared bomb",
      [
        {
          name: "big.bin",
          data: new Uint8Array(10),
          declaredSize: 4_000_000_000,
          method: 8,
          compressed: deflateRawSync(new Uint8Array(10)),
        },
      ],
      "zip.bomb",
    ],
    ["unsupported method", [{ name: "a/data.pkl", data: benign(), method: 14 }], "zip.method_unsupported"],
  ] as const)("%s is reported", async (_label, entries, rule) => {
    const r = await scan(buildZip(entries as never));
    expect(rules(r)).toContain(rule);
    expect(r.verdict).toBe(
      r.findings.some((f) => f.severity === "high" || f.severity === "critical") ? "dangerous" : "suspicious",
    );
  });

  it("a pickle with a zip appended (a polyglot) is reported", async () => {
    const benignPickle = new PickleBuilder().proto(2).emptyDict().stop().bytes();
    const r = await scan(concat([benignPickle, buildZip([{ name: "a/data.pkl", data: evil() }])]), 1000);
    expect(rules(r)).toContain("zip.polyglot");
    expect(r.verdict).toBe("dangerous");
    expect(rules(await scan(buildTorchZip("m", 1)))).not.toContain("zip.polyglot");
  });

  it("a central-directory-only entry (hidden from a local walk) is dangerous", async () => {
    const zip = buildZip([{ name: "a/data.pkl", data: benign() }], {
      extraCentral: [{ name: "a/hidden.pkl", data: evil(), centralOffset: 45 }],
    });
    const r = await scan(zip);
    expect(rules(r)).toContain("zip.hidden_entry");
    expect(r.verdict).toBe("dangerous");
  });

  it("a real decompression bomb is stopped by the ratio limit", async () => {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const zip = buildZip([{ name: "a/data.pkl", data: zeros, method: 8, compressed: deflateRawSync(zeros) }]);
    const t0 = performance.now();
    const r = await scan(zip);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(rules(r)).toContain("zip.bomb");
  });

  it("nested zips are followed to a bounded depth", async () => {
    let inner = buildZip([{ name: "x.pkl", data: evil() }]);
    const one = await scan(buildZip([{ name: "inner.zip", data: inner }]));
    expect(one.findings.find((f) => f.rule === "pickle.import.dangerous")?.member).toBe("inner.zip!x.pkl");
    for (let i = 0; i < 4; i++) inner = buildZip([{ name: `z${i}.zip`, data: inner }]);
    expect(rules(await scan(inner))).toContain("zip.nesting");
  });

  it("numpy .npz with an object array", async () => {
    const npz = buildZip([{ name: "arr_0.npy", data: npy("|O", "(2,)", evil()) }]);
    const r = await scan(npz);
    expect(r.format).toBe("numpy_npz");
    expect(rules(r)).toEqual(["npy.object_dtype", "pickle.import.dangerous"]);
  });
});

function npy(descr: string, shape: string, body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += " ";
  header += "\n";
  const h = new Uint8Array(10 + header.length);
  h.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  h[8] = header.length & 0xff;
  h[9] = header.length >> 8;
  h.set(enc.encode(header), 10);
  return concat([h, body]);
}

describe("pickle detection by content", () => {
  it("a pickle that imports and then breaks is still scanned (the unpickler runs the first part)", async () => {
    const proto0 = concat([
      new PickleBuilder().global("os", "system").mark().raw(0x56).ascii("id\n").tuple().reduce().bytes(),
      new Uint8Array([0xff, 0xfe, 0, 1]),
    ]);
    const proto4 = concat([
      new PickleBuilder().proto(4).stackGlobal("builtins", "exec").str("x").tuple1().reduce().bytes(),
      new Uint8Array([0xff]),
    ]);
    const headerless = new PickleBuilder()
      .str("os")
      .str("system")
      .raw(0x93)
      .str("id")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    for (const bytes of [proto0, proto4, headerless]) {
      const r = await scan(bytes);
      expect(r.format).toBe("pickle");
      expect(rules(r)).toContain("pickle.import.dangerous");
    }
  });

  it("raw float tensor bytes are not taken for a pickle", async () => {
    const floats = new Float32Array(4096);
    let x = 0x9e3779b9;
    for (let i = 0; i < floats.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      floats[i] = ((x >>> 0) / 0xffffffff - 0.5) * 0.02;
    }
    const r = await scan(new Uint8Array(floats.buffer));
    expect(r.format).toBe("unknown");
    expect(r.findings).toEqual([]);
  });

  it("a .pkl member is unpickled by name, so it is walked whatever its first bytes", async () => {
    const tricky = concat([new Uint8Array([0x50, 0x4b, 0x03, 0x04]), evil()]);
    const r = await scan(buildZip([{ name: "archive/data.pkl", data: tricky }]));
    expect(r.members).toContainEqual({ name: "archive/data.pkl", format: "pickle" });
    expect(r.verdict).toBe("dangerous");
  });
});

describe("NumPy, joblib, gzip", () => {
  it("plain numeric .npy is safe and size-checked", async () => {
    expect((await scan(npy("<f4", "(2, 3)", new Uint8Array(24)))).verdict).toBe("safe");
    expect(rules(await scan(npy("<f4", "(2, 3)", new Uint8Array(20))))).toEqual(["npy.size_mismatch"]);
  });

  it("gzip-wrapped pickles are inflated and walked", async () => {
    const r = await scan(gzipSync(evil()));
    expect(r.format).toBe("gzip");
    expect(rules(r)).toContain("pickle.import.dangerous");
  });

  it("a joblib-style pickle is recognised as joblib", async () => {
    const p = new PickleBuilder()
      .proto(4)
      .stackGlobal("sklearn.linear_model._base", "LinearRegression")
      .emptyTuple()
      .raw(0x81)
      .stop()
      .bytes();
    const r = await scan(p);
    expect(r.format).toBe("joblib");
    expect(r.verdict).toBe("suspicious");
  });
});

describe("safetensors", () => {
  const good = () =>
    buildSafetensors(
      [
        { name: "a", shape: [2, 2] },
        { name: "b", shape: [3], dtype: "BF16" },
      ],
      { metadata: { format: "pt" } },
    );

  it("a well-formed file is safe in any chunking", async () => {
    for (const c of [undefined, 1, 9]) {
      const r = await scan(good(), c);
      expect(r.format).toBe("safetensors");
      expect(r.findings).toEqual([]);
    }
  });

  const corrupt: Array<[string, () => Uint8Array, string]> = [
    [
      "hole between tensors",
      () => buildSafetensors([], { header: '{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}' }),
      "safetensors.hole",
    ],
    [
      "overlap",
      () =>
        buildSafetensors([], {
          header:
            '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        }),
      "safetensors.overlap",
    ],
    [
      "size mismatch",
      () => buildSafetensors([], { header: '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}' }),
      "safetensors.size_mismatch",
    ],
    [
      "unknown dtype",
      () => buildSafetensors([], { header: '{"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}' }),
      "safetensors.dtype_unknown",
    ],
    [
      "non-string metadata",
      () => buildSafetensors([], { header: '{"__metadata__":{"a":1}}' }),
      "safetensors.metadata_invalid",
    ],
    ["invalid JSON", () => buildSafetensors([], { header: '{"a":' }), "safetensors.header_invalid"],
    ["buffer longer than described", () => concat([good(), new Uint8Array(4)]), "safetensors.buffer_size"],
    ["buffer shorter than described", () => good().subarray(0, good().length - 2), "safetensors.buffer_size"],
  ];
  it.each(corrupt)("%s is reported", async (_label, make, rule) => {
    expect(rules(await scan(make()))).toContain(rule);
  });

  it("a header length over the spec's limit is refused without allocating it", async () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
    b[8] = 0x7b;
    expect(rules(await scan(b))).toEqual(["safetensors.header_too_large"]);
  });
});

describe("GGUF", () => {
  it("a well-formed file is safe", async () => {
    const g = buildGguf({
      metadata: { "general.architecture": "llama" },
      tensors: [
        { name: "t", dims: [32, 2] },
        { name: "u", dims: [8] },
      ],
    });
    const r = await scan(g, 11);
    expect(r.format).toBe("gguf");
    expect(r.findings).toEqual([]);
  });

  it.each([
    ["unsupported version", () => buildGguf({ version: 99 }), "gguf.version"],
    [
      "unaligned offset",
      () => buildGguf({ tensors: [{ name: "t", dims: [8], offset: 3 }] }),
      "gguf.offset_unaligned",
    ],
    ["bad alignment", () => buildGguf({ metadata: { "general.alignment": 24 } }), "gguf.alignment_invalid"],
    [
      "unknown tensor type",
      () => buildGguf({ tensors: [{ name: "t", dims: [8], type: 4 }] }),
      "gguf.tensor_type",
    ],
    [
      "truncated data",
      () => buildGguf({ tensors: [{ name: "t", dims: [64] }] }).subarray(0, 100),
      "gguf.truncated",
    ],
    [
      "too many dims",
      () => buildGguf({ tensors: [{ name: "t", dims: [1, 1, 1, 1, 1] }] }),
      "gguf.dims_invalid",
    ],
  ])("%s is reported", async (_label, make, rule) => {
    expect(rules(await scan(make()))).toContain(rule);
  });

  it("a header beyond the buffering limit is refused, in any chunking", async () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`general.k${i}`, "x".repeat(500)]),
    );
    const g = buildGguf({ metadata });
    for (const size of [100, 4096]) {
      async function* pieces() {
        for (let i = 0; i < g.length; i += size) yield g.subarray(i, i + size);
      }
      const r = await scanModelStream(pieces(), { path: "g", limits: { maxGgufHeader: 1024 } });
      expect(rules(r)).toEqual(["gguf.header_too_large"]);
    }
    expect((await scanModelBytes(g, { path: "g" })).findings).toEqual([]);
  });

  it("an absurd metadata count is refused early", async () => {
    const g = buildGguf({});
    new DataView(g.buffer).setBigUint64(16, 2n ** 60n, true);
    expect(rules(await scan(g))).toEqual(["gguf.count_invalid"]);
  });

  it("flags chat templates that reach for code execution", async () => {
    const bad = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    const ok = "{% for m in messages %}{{ '<|' + m['role'] + '|>' + m['content'] }}{% endfor %}";
    expect(findTemplateCodeExecution(ok)).toEqual([]);
    expect(findTemplateCodeExecution(bad)).toEqual(
      expect.arrayContaining(["__init__", "__globals__", "cycler gadget"]),
    );
    const r = await scan(buildGguf({ metadata: { "tokenizer.chat_template": bad } }));
    expect(rules(r)).toEqual(["gguf.chat_template_code"]);
    expect(r.verdict).toBe("dangerous");
  });
});

describe("chat templates beside the model", () => {
  const bad = "{% set x = cycler.__init__.__globals__.os.popen('id').read() %}{{ x }}";
  const ok = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}";

  it("tokenizer_config.json: a string template or named templates", async () => {
    const clean = await scan(enc.encode(JSON.stringify({ chat_template: ok, model_max_length: 4096 })), 10);
    expect(clean.findings).toEqual([]);
    const single = await scan(enc.encode(JSON.stringify({ chat_template: bad })), 10);
    expect(rules(single)).toEqual(["tokenizer.chat_template_code"]);
    const named = await scan(
      enc.encode(
        JSON.stringify({
          chat_template: [
            { name: "default", template: ok },
            { name: "tool_use", template: bad },
          ],
        }),
      ),
    );
    expect(named.findings[0]?.message).toContain('"tool_use"');
    expect(named.verdict).toBe("dangerous");
  });

  it("chat_template.jinja text", async () => {
    expect(rules(await scan(enc.encode(bad)))).toEqual(["tokenizer.chat_template_code"]);
    expect((await scan(enc.encode(ok))).findings).toEqual([]);
  });
});

describe("Keras", () => {
  const cfg = (layers: unknown[]) =>
    JSON.stringify({ module: "keras", class_name: "Sequential", config: { layers }, registered_name: null });

  it(".keras archive: Lambda layers and foreign modules", async () => {
    const dense = { module: "keras.layers", class_name: "Dense", config: { units: 2 } };
    const lambda = {
      module: "keras.layers",
      class_name: "Lambda",
      config: { function: { class_name: "__lambda__", config: { code: "4wEAAA==" } } },
    };
    const gadget = { module: "builtins", class_name: "function", config: "exec" };
    const safe = buildZip([
      { name: "metadata.json", data: enc.encode("{}") },
      { name: "config.json", data: enc.encode(cfg([dense])) },
      { name: "model.weights.h5", data: new Uint8Array(16) },
    ]);
    const r = await scan(safe);
    expect(r.format).toBe("keras_zip");
    expect(r.findings).toEqual([]);
    const bad = buildZip([
      { name: "metadata.json", data: enc.encode("{}") },
      { name: "config.json", data: enc.encode(cfg([dense, lambda, gadget])) },
    ]);
    expect(rules(await scan(bad)).sort()).toEqual(["keras.lambda", "keras.module.dangerous"]);
  });

  it("legacy .h5: finds model_config JSON among binary bytes", async () => {
    const json = cfg([{ class_name: "Lambda", config: { function: ["4wEAAA==", null, null] } }]).replace(
      /:/g,
      ": ",
    );
    const file = concat([
      new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
      new Uint8Array(3000).fill(0xaa),
      enc.encode("model_config\0"),
      enc.encode(json.replace(/^\{/, '{"class_name": "Sequential", ')),
      new Uint8Array([0]),
      new Uint8Array(5000),
    ]);
    for (const c of [undefined, 1, 5, 13, 14, 15, 16, 100, 3007]) {
      const r = await scan(file, c);
      expect(r.format).toBe("keras_h5");
      expect(rules(r)).toEqual(["keras.lambda"]);
    }
  });
});

describe("ONNX", () => {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n > 127) {
      out.push((n & 127) | 128);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return out;
  };
  const ld = (field: number, bytes: Uint8Array | number[]) => [
    ...varint(field * 8 + 2),
    ...varint(bytes.length),
    ...bytes,
  ];
  const str = (field: number, s: string) => ld(field, enc.encode(s));
  const model = (location: string) => {
    const entry = [...str(1, "location"), ...str(2, location)];
    const tensor = [...str(8, "w"), ...ld(13, entry), 0x70, 1, ...ld(9, new Uint8Array(100))];
    const graph = [...str(2, "g"), ...ld(5, tensor)];
    return Uint8Array.from([0x08, 0x08, ...str(2, "pytorch"), ...ld(7, graph)]);
  };

  it("external data inside the model folder is listed, escaping paths are dangerous", async () => {
    const ok = await scan(model("weights/w.bin"), 3);
    expect(ok.format).toBe("onnx");
    expect(rules(ok)).toEqual(["onnx.external_data"]);
    expect(ok.verdict).toBe("safe");
    for (const p of ["../../etc/passwd", "/etc/shadow", "C:\\Windows\\win.ini", "a/../../b"]) {
      const r = await scan(model(p), 4);
      expect(rules(r)).toContain("onnx.external_data_escape");
      expect(r.verdict).toBe("dangerous");
    }
  });
});

describe("integrity manifests", () => {
  const gitBlob = (data: Uint8Array) =>
    execFileSync("git", ["hash-object", "--stdin"], { input: data, encoding: "utf8" }).trim();

  function tree(files: Record<string, Uint8Array>): ModelTreeEntry[] {
    return Object.entries(files).map(([path, data]) => ({
      path,
      size: data.length,
      async *open() {
        for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000);
        if (data.length === 0) yield data;
      },
    }));
  }

  it("checks LFS files by SHA-256 and others by git blob SHA-1 (cross-checked with git)", async () => {
    const weights = buildSafetensors([{ name: "a", shape: [600] }]);
    const config = enc.encode('{"architectures": ["X"]}');
    const sha = (await scanModelBytes(weights, { path: "x" })).sha256 as string;
    const listing = JSON.stringify([
      {
        type: "file",
        path: "model.safetensors",
        oid: "0".repeat(40),
        size: weights.length,
        lfs: { oid: sha, size: weights.length, pointerSize: 130 },
      },
      { type: "file", path: "config.json", oid: gitBlob(config), size: config.length },
      { type: "directory", path: "sub", oid: "1".repeat(40), size: 0 },
    ]);
    const ok = await scanModelTree(tree({ "model.safetensors": weights, "config.json": config }), {
      manifest: parseManifest(listing),
    });
    expect(ok.integrity).toMatchObject({ ok: true, checked: 2, missing: [], unlisted: [] });
    expect(ok.verdict).toBe("safe");

    const tampered = config.slice();
    tampered[2] = 0x42;
    const bad = await scanModelTree(tree({ "model.safetensors": weights, "config.json": tampered }), {
      manifest: parseManifest(listing),
    });
    expect(bad.integrity?.ok).toBe(false);
    expect(bad.integrity?.mismatched.map((m) => m.path)).toEqual(["config.json"]);
    expect(bad.verdict).toBe("dangerous");

    const missing = await scanModelTree(tree({ "config.json": config, "extra.bin": new Uint8Array(3) }), {
      manifest: parseManifest(listing),
    });
    expect(missing.integrity).toMatchObject({
      ok: false,
      missing: ["model.safetensors"],
      unlisted: ["extra.bin"],
    });
  });

  it("plain sha256 lists, and refuses malformed manifests", async () => {
    const data = enc.encode("hello");
    const sha = (await scanModelBytes(data, { path: "x" })).sha256 as string;
    const m = parseManifest(`${sha}  dir/a.txt\n${"f".repeat(64)} *b.bin\n`);
    expect(m.entries.get("dir/a.txt")?.sha256).toBe(sha);
    const r = await scanModelTree(tree({ "dir/a.txt": data, "b.bin": data }), { manifest: m });
    expect(r.integrity?.mismatched.map((x) => x.path)).toEqual(["b.bin"]);
    for (const text of ["not a manifest", "[{}]", '[{"path":"a","lfs":{"oid":"xyz"}}]', "{"]) {
      expect(() => parseManifest(text)).toThrowError(expect.objectContaining({ code: "MANIFEST_INVALID" }));
    }
    try {
      parseManifest("zz");
    } catch (e) {
      expect(isAppError(e, "MANIFEST_INVALID")).toBe(true);
    }
  });

  it("reports progress by bytes over the whole tree", async () => {
    const seen: Array<[number, number, string]> = [];
    const files = tree({ "a.bin": new Uint8Array(2500), "b.bin": new Uint8Array(10) });
    const r = await scanModelTree(files, {
      onProgress: (done, total, path) => seen.push([done, total, path]),
    });
    expect(r.bytes).toBe(2510);
    expect(seen.at(-1)).toEqual([2510, 2510, "b.bin"]);
    expect(seen.map((s) => s[0])).toEqual([...seen.map((s) => s[0])].sort((a, b) => a - b));
    expect(r.scannable).toBe(0);
  });

  it("a failing stream is an error verdict, not a crash", async () => {
    async function* broken(): AsyncIterable<Uint8Array> {
      yield evil().subarray(0, 3);
      throw new Error("disk went away");
    }
    const r = await scanModelStream(broken(), { path: "x" });
    expect(r.verdict).toBe("error");
    expect(r.error).toBe("disk went away");
  });
});

describe("chunks from a reused read buffer (regression: Buffer.slice is a view, not a copy)", () => {
  async function* reused(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
    const buffer = Buffer.alloc(size);
    for (let i = 0; i < bytes.length; i += size) {
      const n = Math.min(size, bytes.length - i);
      buffer.set(bytes.subarray(i, i + n));
      yield buffer.subarray(0, n);
      buffer.fill(0x37);
    }
  }
  const big = new PickleBuilder().proto(4).emptyDict().memoize().mark();
  for (let i = 0; i < 3000; i++)
    big
      .str(`key${i}`)
      .longBinput(i + 1)
      .int(i % 200);
  big.setitems().stackGlobal("os", "system").pop().stop();

  it.each([
    ["long pickle", () => big.bytes()],
    ["torch zip", () => buildTorchZip("m", 4)],
    [
      "deflated zip",
      () =>
        buildZip([
          { name: "a/data.pkl", data: big.bytes(), method: 8, compressed: deflateRawSync(big.bytes()) },
        ]),
    ],
    [
      "gguf",
      () =>
        buildGguf({
          metadata: { "tokenizer.chat_template": "{{ x.__class__ }}" },
          tensors: [{ name: "t", dims: [64] }],
        }),
    ],
    ["safetensors", () => buildSafetensors([{ name: "a", shape: [40] }])],
  ])("%s gives the same result as one whole buffer", async (_label, make) => {
    const bytes = make();
    const whole = await scanModelBytes(bytes, { path: "f" });
    for (const size of [7, 64, 1000]) {
      const r = await scanModelStream(reused(bytes, size), { path: "f" });
      expect(rules(r)).toEqual(rules(whole));
      expect(r.sha256).toBe(whole.sha256);
    }
  });
});

describe("property: hostile bytes never crash or hang the scanner", () => {
  const seeds: Array<[string, () => Uint8Array]> = [
    ["torch zip", () => buildTorchZip("m", 2)],
    ["safetensors", () => buildSafetensors([{ name: "a", shape: [4] }])],
    ["gguf", () => buildGguf({ metadata: { a: "b", n: 3 }, tensors: [{ name: "t", dims: [32] }] })],
    ["npy", () => npy("|O", "(1,)", evil())],
    [
      "deflated zip",
      () => buildZip([{ name: "a/data.pkl", data: evil(), method: 8, compressed: deflateRawSync(evil()) }]),
    ],
    [
      "onnx",
      () =>
        Uint8Array.from([
          0x08,
          0x08,
          0x3a,
          0x10,
          0x2a,
          0x0e,
          0x6a,
          0x0c,
          0x0a,
          0x08,
          ...enc.encode("location"),
          0x12,
          0x00,
        ]),
    ],
    [
      "keras zip",
      () =>
        buildZip([
          { name: "metadata.json", data: enc.encode("{}") },
          {
            name: "config.json",
            data: enc.encode('{"class_name":"Lambda","module":"os","config":"system"}'),
          },
        ]),
    ],
    ["gzip", () => gzipSync(evil())],
  ];

  it.each(seeds)("mutated %s", async (_label, make) => {
    const base = make();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: base.length }),
        fc.integer({ min: 1, max: 4096 }),
        async (mutations, cut, chunk) => {
          const bytes = base.slice(0, Math.max(1, cut));
          for (const [i, v] of mutations) if (i < bytes.length) bytes[i] = v;
          const t0 = performance.now();
          const r = await scan(bytes, chunk);
          expect(performance.now() - t0).toBeLessThan(2000);
          expect(r.verdict).not.toBe("error");
        },
      ),
      { numRuns: 150 },
    );
  });

  it("random bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 8192 }), async (bytes) => {
        const r = await scan(bytes, 977);
        expect(r.verdict).not.toBe("error");
      }),
      { numRuns: 300 },
    );
  });
});
