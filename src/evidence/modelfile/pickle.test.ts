import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PickleBuilder, torchStateDictPickle } from "./corpus.ts";
import { PickleWalker, scanPickleBytes } from "./pickle.ts";
import { classifyImport } from "./pickle-policy.ts";
import { type ModelFinding, verdictOfFindings } from "./types.ts";

function scan(
  bytes: Uint8Array,
  options: { chunk?: number; expectedPickles?: number; ignoreAfterExpected?: boolean } = {},
) {
  const findings: ModelFinding[] = [];
  const walker = new PickleWalker({ onFinding: (f) => findings.push(f), ...options });
  const step = options.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += Math.max(1, step))
    walker.write(bytes.subarray(i, i + Math.max(1, step)));
  walker.end();
  return { findings, walker, verdict: verdictOfFindings(findings) };
}

const rules = (fs: ModelFinding[]) => fs.map((f) => f.rule);

describe("pickle import policy", () => {
  it.each([
    ["torch._utils", "_rebuild_tensor_v2", "safe"],
    ["collections", "OrderedDict", "safe"],
    ["numpy.core.multiarray", "_reconstruct", "safe"],
    ["__builtin__", "set", "safe"],
    ["os", "system", "dangerous"],
    ["posix", "system", "dangerous"],
    ["nt", "system", "dangerous"],
    ["subprocess", "Popen", "dangerous"],
    ["builtins", "eval", "dangerous"],
    ["__builtin__", "eval", "dangerous"],
    ["builtins", "getattr", "dangerous"],
    ["runpy", "run_path", "dangerous"],
    ["socket", "create_connection", "dangerous"],
    ["importlib", "import_module", "dangerous"],
    ["marshal", "loads", "dangerous"],
    ["_pickle", "loads", "dangerous"],
    ["operator", "attrgetter", "dangerous"],
    ["functools", "partial", "dangerous"],
    ["types", "CodeType", "dangerous"],
    ["webbrowser", "open", "dangerous"],
    ["ctypes", "CDLL", "dangerous"],
    ["torch.storage", "_load_from_bytes", "dangerous"],
    ["builtins", "object.__subclasses__", "dangerous"],
    ["sys", "modules", "dangerous"],
    ["shutil", "rmtree", "dangerous"],
    ["pty", "spawn", "dangerous"],
    ["importlib", "import_module", "dangerous"],
    ["code", "InteractiveInterpreter", "dangerous"],
    ["pip", "main", "dangerous"],
    ["torch", "load", "dangerous"],
    ["torch.hub", "load", "dangerous"],
    ["numpy.testing._private.utils", "runstring", "dangerous"],
    ["cloudpickle.cloudpickle", "_make_function", "dangerous"],
    ["dill._dill", "_create_code", "dangerous"],
    ["_io", "open", "dangerous"],
    ["asyncio.subprocess", "create_subprocess_shell", "dangerous"],
    ["http.client", "HTTPSConnection", "dangerous"],
    ["urllib.request", "urlopen", "dangerous"],
    ["requests.api", "get", "dangerous"],
    ["pydoc", "pipepager", "dangerous"],
    ["timeit", "timeit", "dangerous"],
    ["posixpath", "join", "suspicious"],
    ["copyreg", "__newobj__", "safe"],
    ["copy_reg", "_reconstructor", "safe"],
    ["sklearn.linear_model._logistic", "LogisticRegression", "suspicious"],
    ["mypackage", "Thing", "suspicious"],
  ])("%s.%s is %s", (m, n, expected) => {
    expect(classifyImport(m, n)).toBe(expected);
  });
});

describe("benign pickles", () => {
  it("a PyTorch state dict walks clean in one pass and in 1-byte chunks", () => {
    const bytes = torchStateDictPickle([
      { name: "a.weight", key: "0", shape: [4, 4] },
      { name: "a.bias", key: "1", shape: [4] },
    ]);
    for (const chunk of [bytes.length, 1, 3, 7]) {
      const r = scan(bytes, { chunk });
      expect(r.findings).toEqual([]);
      expect(r.walker.picklesSeen).toBe(1);
      const names = [...r.walker.imports.values()].map((i) => `${i.module}.${i.name}`).sort();
      expect(names).toEqual([
        "collections.OrderedDict",
        "torch.FloatStorage",
        "torch._utils._rebuild_tensor_v2",
      ]);
    }
  });

  it("long payloads are skipped across chunks without being kept", () => {
    const big = new Uint8Array(300_000).fill(0x63); // 'c' bytes: would look like GLOBAL if misread
    const bytes = new PickleBuilder().proto(4).binbytes(big).stop().bytes();
    const r = scan(bytes, { chunk: 4096 });
    expect(r.findings).toEqual([]);
    expect(r.walker.picklesSeen).toBe(1);
  });
});

describe("malicious pickles", () => {
  const cases: Array<[string, Uint8Array, string, string]> = [
    [
      "GLOBAL os.system + REDUCE",
      new PickleBuilder().proto(2).global("os", "system").str("id").tuple1().reduce().stop().bytes(),
      "os",
      "system",
    ],
    [
      "posix.system protocol 0",
      new PickleBuilder()
        .global("posix", "system")
        .mark()
        .raw(0x56)
        .ascii("id\n")
        .tuple()
        .reduce()
        .stop()
        .bytes(),
      "posix",
      "system",
    ],
    [
      "STACK_GLOBAL builtins.eval",
      new PickleBuilder().proto(4).stackGlobal("builtins", "eval").str("1").tuple1().reduce().stop().bytes(),
      "builtins",
      "eval",
    ],
    [
      "INST subprocess.check_output",
      new PickleBuilder().mark().str("id").inst("subprocess", "check_output").stop().bytes(),
      "subprocess",
      "check_output",
    ],
    [
      "runpy",
      new PickleBuilder()
        .proto(4)
        .stackGlobal("runpy", "_run_code")
        .str("x")
        .tuple1()
        .reduce()
        .stop()
        .bytes(),
      "runpy",
      "_run_code",
    ],
    [
      "webbrowser",
      new PickleBuilder()
        .proto(3)
        .global("webbrowser", "open")
        .str("http://x")
        .tuple1()
        .reduce()
        .stop()
        .bytes(),
      "webbrowser",
      "open",
    ],
    [
      "socket",
      new PickleBuilder().proto(3).global("socket", "create_connection").emptyTuple().reduce().stop().bytes(),
      "socket",
      "create_connection",
    ],
    [
      "nested pickle.loads",
      new PickleBuilder()
        .proto(4)
        .stackGlobal("_pickle", "loads")
        .binbytes(new PickleBuilder().proto(4).stackGlobal("os", "system").stop().bytes())
        .tuple1()
        .reduce()
        .stop()
        .bytes(),
      "_pickle",
      "loads",
    ],
    [
      "marshal + types.FunctionType",
      new PickleBuilder()
        .proto(4)
        .stackGlobal("types", "FunctionType")
        .stackGlobal("marshal", "loads")
        .binbytes(new Uint8Array(8))
        .tuple1()
        .reduce()
        .emptyDict()
        .tuple2()
        .reduce()
        .stop()
        .bytes(),
      "marshal",
      "loads",
    ],
    [
      "operator.attrgetter",
      new PickleBuilder()
        .proto(4)
        .stackGlobal("operator", "attrgetter")
        .str("system")
        .tuple1()
        .reduce()
        .stop()
        .bytes(),
      "operator",
      "attrgetter",
    ],
    [
      "functools.partial",
      new PickleBuilder()
        .proto(4)
        .stackGlobal("functools", "partial")
        .stackGlobal("os", "system")
        .tuple1()
        .reduce()
        .stop()
        .bytes(),
      "functools",
      "partial",
    ],
    [
      "ctypes",
      new PickleBuilder()
        .proto(4)
        .stackGlobal("ctypes", "CDLL")
        .str("libc.so.6")
        .tuple1()
        .reduce()
        .stop()
        .bytes(),
      "ctypes",
      "CDLL",
    ],
    [
      "py2 __builtin__ names",
      new PickleBuilder().proto(2).global("__builtin__", "exec").str("x").tuple1().reduce().stop().bytes(),
      "builtins",
      "exec",
    ],
  ];
  it.each(cases)("%s is dangerous with module and name reported", (_label, bytes, module, name) => {
    const r = scan(bytes);
    expect(r.verdict).toBe("dangerous");
    const hit = r.findings.find((f) => f.module === module && f.name === name);
    expect(hit?.rule).toBe("pickle.import.dangerous");
    expect(hit?.severity).toBe("critical");
    expect(typeof hit?.offset).toBe("number");
    // Splitting the stream anywhere must not change what is found.
    expect(rules(scan(bytes, { chunk: 1 }).findings)).toEqual(rules(r.findings));
  });

  it("getattr chain builtins.getattr(__import__('os'), 'system') reports both imports", () => {
    const bytes = new PickleBuilder()
      .proto(4)
      .stackGlobal("builtins", "getattr")
      .stackGlobal("builtins", "__import__")
      .str("os")
      .tuple1()
      .reduce()
      .str("system")
      .tuple2()
      .reduce()
      .str("id")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const r = scan(bytes);
    expect(r.findings.filter((f) => f.rule === "pickle.import.dangerous").map((f) => f.name)).toEqual([
      "getattr",
      "__import__",
    ]);
  });

  it("memo trick: module and name strings stored in the memo and fetched for STACK_GLOBAL", () => {
    const bytes = new PickleBuilder()
      .proto(4)
      .str("os")
      .memoize()
      .pop()
      .str("system")
      .longBinput(7)
      .pop()
      .binget(0)
      .longBinget(7)
      .raw(0x93)
      .str("id")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const r = scan(bytes);
    expect(r.findings.find((f) => f.module === "os" && f.name === "system")?.opcode).toBe("STACK_GLOBAL");
  });

  it("memo trick: an allowed global then a memo slot overwritten with a dangerous one", () => {
    const bytes = new PickleBuilder()
      .proto(2)
      .global("collections", "OrderedDict")
      .binput(1)
      .pop()
      .global("os", "system")
      .binput(1)
      .pop()
      .binget(1)
      .str("id")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    expect(scan(bytes).verdict).toBe("dangerous");
  });

  it("STACK_GLOBAL on a computed operand is unresolvable and dangerous", () => {
    const bytes = new PickleBuilder()
      .proto(4)
      .stackGlobal("collections", "OrderedDict")
      .emptyTuple()
      .reduce()
      .str("system")
      .raw(0x93)
      .stop()
      .bytes();
    const r = scan(bytes);
    expect(r.findings.map((f) => f.rule)).toContain("pickle.import.unresolved");
    expect(r.verdict).toBe("dangerous");
  });

  it("UNICODE escapes cannot hide a module name", () => {
    const bytes = new PickleBuilder()
      .mark()
      .raw(0x56)
      .ascii("\\u006fs\n")
      .raw(0x56)
      .ascii("system\n")
      .raw(0x93)
      .stop()
      .bytes();
    const r = scan(bytes);
    expect(r.findings.some((f) => f.module === "os" && f.name === "system")).toBe(true);
  });

  it("memo values beyond the kept limit become opaque: STACK_GLOBAL on them is unresolvable", () => {
    const bytes = new PickleBuilder()
      .proto(4)
      .str("os")
      .binput(0)
      .str("system")
      .binput(1)
      .pop()
      .pop()
      .binget(0)
      .binget(1)
      .raw(0x93)
      .stop()
      .bytes();
    const findings: ModelFinding[] = [];
    const walker = new PickleWalker({ onFinding: (f) => findings.push(f), limits: { maxPickleMemo: 1 } });
    walker.write(bytes);
    walker.end();
    expect(rules(findings)).toEqual(["pickle.import.unresolved"]);
  });

  it("EXT1 through the copyreg registry is unresolvable", () => {
    const r = scan(new PickleBuilder().proto(2).raw(0x82, 1).emptyTuple().reduce().stop().bytes());
    expect(r.findings[0]?.rule).toBe("pickle.import.unresolved");
    expect(r.findings[0]?.opcode).toBe("EXT1");
  });

  it("BUILD on an imported function (attribute overwrite) is reported", () => {
    const bytes = new PickleBuilder()
      .proto(2)
      .global("collections", "OrderedDict")
      .none()
      .emptyDict()
      .str("__setstate__")
      .none()
      .setitem()
      .tuple2()
      .build()
      .stop()
      .bytes();
    const r = scan(bytes);
    expect(rules(r.findings)).toContain("pickle.build_on_import");
    expect(r.verdict).toBe("dangerous");
  });

  it("unknown imports are suspicious, not safe", () => {
    const r = scan(
      new PickleBuilder().proto(2).global("mylib.models", "Net").emptyTuple().newobj().stop().bytes(),
    );
    expect(r.verdict).toBe("suspicious");
    expect(r.findings[0]).toMatchObject({
      rule: "pickle.import.suspicious",
      module: "mylib.models",
      name: "Net",
    });
  });

  it("a second pickle hidden after STOP is walked and its imports reported", () => {
    const first = new PickleBuilder().proto(2).emptyDict().stop().bytes();
    const second = new PickleBuilder().proto(2).global("os", "system").stop().bytes();
    const bytes = new Uint8Array([...first, ...second]);
    const r = scan(bytes);
    expect(rules(r.findings)).toEqual(["pickle.trailing_data", "pickle.import.dangerous"]);
    expect(r.findings[0]?.offset).toBe(first.length);
  });
});

describe("joblib arrays written inline", () => {
  /** A joblib.dump of a float64 array of `shape`, as NumpyPickler writes it, then `after`. */
  function joblibArray(shape: number[], data: Uint8Array, after: PickleBuilder, descr = "f8"): Uint8Array {
    const p = new PickleBuilder().proto(4).raw(0x95).u64(0);
    p.stackGlobal("joblib.numpy_pickle", "NumpyArrayWrapper").memoize().emptyTuple().newobj().memoize();
    p.emptyDict().memoize().mark();
    p.str("subclass").stackGlobal("numpy", "ndarray").memoize();
    p.str("shape");
    for (const d of shape) p.int(d);
    p.raw(shape.length === 1 ? 0x85 : 0x86).memoize();
    p.str("order").str("C");
    p.str("dtype")
      .stackGlobal("numpy", "dtype")
      .memoize()
      .str(descr)
      .newFalse()
      .raw(0x88, 0x87)
      .reduce()
      .memoize();
    p.mark().int(3).str("<").none().none().none().int(-1).int(-1).int(0).tuple().build();
    p.str("allow_mmap").raw(0x88).str("numpy_array_alignment_bytes").int(16);
    p.setitems().build();
    const head = p.bytes();
    const pad = 16 - ((head.length + 1) % 16);
    return new Uint8Array([...head, pad, ...new Uint8Array(pad).fill(0xff), ...data, ...after.bytes()]);
  }

  it("skips the raw array bytes and keeps walking after them", () => {
    // Array bytes that would read as GLOBAL os.system if the walker misread them as opcodes.
    const data = new Uint8Array(96).fill(0x63);
    const clean = scan(joblibArray([3, 4], data, new PickleBuilder().stop()), { chunk: 5 });
    expect(clean.findings).toEqual([]);
    expect(clean.walker.picklesSeen).toBe(1);
    const evil = joblibArray([3, 4], data, new PickleBuilder().pop().global("os", "system").stop());
    expect(rules(scan(evil).findings)).toEqual(["pickle.import.dangerous"]);
  });

  it("an array of unknown dtype size fails closed", () => {
    const r = scan(joblibArray([2], new Uint8Array(16), new PickleBuilder().stop(), "O"));
    expect(rules(r.findings)).toEqual(["pickle.joblib_array"]);
    expect(r.verdict).toBe("dangerous");
  });
});

describe("malformed and hostile shapes", () => {
  it("reports truncation, unknown opcodes and underflow", () => {
    expect(rules(scan(new PickleBuilder().proto(2).emptyDict().bytes()).findings)).toEqual([
      "pickle.truncated",
    ]);
    expect(scan(new PickleBuilder().proto(2).raw(0xff).bytes()).findings[0]).toMatchObject({
      rule: "pickle.malformed",
      offset: 2,
    });
    expect(rules(scan(new PickleBuilder().proto(2).reduce().stop().bytes()).findings)).toEqual([
      "pickle.malformed",
    ]);
    expect(rules(scan(new PickleBuilder().proto(9).stop().bytes()).findings)).toEqual(["pickle.malformed"]);
    expect(rules(scan(new PickleBuilder().proto(2).binget(3).stop().bytes()).findings)).toEqual([
      "pickle.malformed",
    ]);
  });

  it("enormous declared lengths, huge memo indexes and deep stacks are resource exhaustion", () => {
    const huge = new PickleBuilder()
      .proto(4)
      .raw(0x8e)
      .u64(2 ** 50)
      .bytes();
    expect(scan(huge).findings[0]?.rule).toBe("pickle.resource_exhaustion");
    const memo = new PickleBuilder().proto(2).none().longBinput(0xfffffff0).stop().bytes();
    expect(rules(scan(memo).findings)).toContain("pickle.resource_exhaustion");
    const deep = new PickleBuilder().proto(2);
    for (let i = 0; i < 2000; i++) deep.none();
    const r = scan(deep.stop().bytes(), { chunk: 100 });
    const walker = new PickleWalker({ onFinding: () => {}, limits: { maxPickleStack: 1000 } });
    walker.write(deep.bytes());
    walker.end();
    expect(walker.finished).toBe(true);
    expect(rules(r.findings)).toContain("pickle.stop_unbalanced");
  });

  it("legacy PyTorch: five pickles then raw data are not reported", () => {
    const p = () => new PickleBuilder().proto(2).int(1).stop().bytes();
    const bytes = new Uint8Array([...p(), ...p(), ...p(), ...p(), ...p(), 1, 2, 3, 0xff, 0xfe]);
    expect(scan(bytes, { expectedPickles: 5, ignoreAfterExpected: true }).findings).toEqual([]);
  });

  it("property: random bytes never throw and finish quickly", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        const t0 = performance.now();
        const r = scan(bytes, { chunk });
        expect(performance.now() - t0).toBeLessThan(500);
        for (const f of r.findings) expect(f.rule.startsWith("pickle.")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("property: random opcode sequences give the same findings at the same offsets however they are split", () => {
    const ops = [
      0x28, 0x2e, 0x30, 0x31, 0x32, 0x46, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x50, 0x51, 0x52, 0x53, 0x54,
      0x55, 0x56, 0x58, 0x61, 0x62, 0x63, 0x64, 0x7d, 0x65, 0x67, 0x68, 0x69, 0x6a, 0x6c, 0x5d, 0x6f, 0x70,
      0x71, 0x72, 0x73, 0x74, 0x29, 0x75, 0x47, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
      0x8a, 0x8b, 0x42, 0x43, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
    ];
    const names = [
      "os",
      "system",
      "builtins",
      "eval",
      "joblib.numpy_pickle",
      "NumpyArrayWrapper",
      "numpy",
      "dtype",
      "shape",
      "f8",
    ];
    const token = fc.oneof(
      fc.constantFrom(...ops).map((o) => [o]),
      fc.constantFrom(...names).map((n) => [0x8c, n.length, ...new TextEncoder().encode(n)]),
      fc.tuple(fc.constantFrom(0x4b, 0x71, 0x68), fc.integer({ min: 0, max: 255 })).map(([o, v]) => [o, v]),
      fc.constantFrom(
        [0x63, ...new TextEncoder().encode("os\nsystem\n")],
        [0x8a, 1, 5],
        [0x80, 4],
        [0x80, 2],
      ),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (tokens, chunk) => {
        const bytes = Uint8Array.from(tokens.flat());
        const at = (fs: ModelFinding[]) => fs.map((f) => `${f.rule}@${f.offset}`);
        expect(at(scan(bytes, { chunk }).findings)).toEqual(at(scan(bytes).findings));
      }),
      { numRuns: 500 },
    );
  });

  it("property: mutated benign pickles never throw and splitting never changes the result", () => {
    const base = torchStateDictPickle([{ name: "w", key: "0", shape: [2, 2] }]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.integer({ min: 1, max: 50 }),
        (mutations, chunk) => {
          const bytes = base.slice();
          for (const [i, v] of mutations) bytes[i] = v;
          const whole = scan(bytes);
          const split = scan(bytes, { chunk });
          expect(rules(split.findings)).toEqual(rules(whole.findings));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("cross-check with CPython's pickle", () => {
  it("pickle.dumps of plain data in every protocol 0–5 walks clean", () => {
    const script = [
      "import pickle, collections, sys, base64",
      "obj = {'a': [1, 2.5, 'x' * 300, b'y', (1, 2), None, True], 'o': collections.OrderedDict(k=1), 's': {1, 2}, 'big': 2**100}",
      "print(' '.join(base64.b64encode(pickle.dumps(obj, protocol=p)).decode() for p in range(6)))",
    ].join("\n");
    const out = execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim().split(" ");
    expect(out).toHaveLength(6);
    out.forEach((b64, protocol) => {
      const r = scanPickleBytes(Buffer.from(b64, "base64"), {
        onFinding: (f) => expect.fail(`${protocol}: ${f.message}`),
      });
      expect(r.picklesSeen).toBe(1);
      expect(r.protocol).toBe(protocol < 2 ? 0 : protocol);
    });
  });

  it("CPython accepts the generated torch-style pickle structurally (pickletools.dis)", () => {
    const bytes = torchStateDictPickle([{ name: "w", key: "0", shape: [2, 2] }]);
    const out = execFileSync(
      "python3",
      ["-c", "import pickletools,sys; pickletools.dis(sys.stdin.buffer.read())"],
      {
        input: bytes,
        encoding: "utf8",
      },
    );
    expect(out).toContain("highest protocol among opcodes = 2");
  });
});
