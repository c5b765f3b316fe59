/**
 * Which imports a pickle may make. Allowlist first: only imports known to rebuild weights and
 * plain containers are safe; a denylist names what is known to run code or reach the system;
 * anything else is suspicious, because the list of gadgets in installed packages is open-ended.
 */

export type ImportClass = "safe" | "suspicious" | "dangerous";

/** Python 2 module names that pickle's fix_imports maps to their Python 3 homes. */
const PY2_MODULES: Record<string, string> = {
  __builtin__: "builtins",
  copy_reg: "copyreg",
  exceptions: "builtins",
  cPickle: "pickle",
  commands: "subprocess",
  urllib2: "urllib.request",
  httplib: "http.client",
};

const TORCH_STORAGES = [
  "FloatStorage",
  "HalfStorage",
  "BFloat16Storage",
  "DoubleStorage",
  "LongStorage",
  "IntStorage",
  "ShortStorage",
  "CharStorage",
  "ByteStorage",
  "BoolStorage",
  "ComplexFloatStorage",
  "ComplexDoubleStorage",
  "QInt8Storage",
  "QUInt8Storage",
  "QInt32Storage",
  "QUInt4x2Storage",
  "QUInt2x4Storage",
  "UntypedStorage",
  "TypedStorage",
];

const TORCH_DTYPES = [
  "float32",
  "float",
  "float64",
  "double",
  "float16",
  "half",
  "bfloat16",
  "int64",
  "long",
  "int32",
  "int",
  "int16",
  "short",
  "int8",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "complex64",
  "complex128",
  "float8_e4m3fn",
  "float8_e5m2",
  "float8_e4m3fnuz",
  "float8_e5m2fnuz",
  "qint8",
  "quint8",
  "qint32",
];

/** Exact `module.name` pairs known to be safe in weight files. */
const SAFE_GLOBALS = new Set<string>([
  "collections.OrderedDict",
  "collections.defaultdict",
  "collections.deque",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  "torch._utils._rebuild_parameter_v2",
  "torch._utils._rebuild_qtensor",
  "torch._utils._rebuild_sparse_tensor",
  "torch._utils._rebuild_nested_tensor",
  "torch._utils._rebuild_meta_tensor_no_storage",
  "torch._utils._rebuild_wrapper_subclass",
  "torch._utils._rebuild_device_tensor_from_numpy",
  "torch._tensor._rebuild_from_type_v2",
  "torch.nn.parameter.Parameter",
  "torch.Size",
  "torch.device",
  "torch.Tensor",
  "torch.storage.UntypedStorage",
  "torch.storage.TypedStorage",
  "torch.per_tensor_affine",
  "torch.per_channel_affine",
  "torch.contiguous_format",
  "torch.channels_last",
  "torch.preserve_format",
  "numpy.core.multiarray._reconstruct",
  "numpy._core.multiarray._reconstruct",
  "numpy.core.multiarray.scalar",
  "numpy._core.multiarray.scalar",
  "numpy.core.numeric._frombuffer",
  "numpy._core.numeric._frombuffer",
  "numpy.dtype",
  "numpy.ndarray",
  "numpy.ma.core._mareconstruct",
  "joblib.numpy_pickle.NumpyArrayWrapper",
  "sklearn.utils._bunch.Bunch",
  "copyreg._reconstructor",
  "copyreg.__newobj__",
  "copyreg.__newobj_ex__",
  "_codecs.encode",
  "builtins.set",
  "builtins.frozenset",
  "builtins.dict",
  "builtins.list",
  "builtins.tuple",
  "builtins.bytearray",
  "builtins.bytes",
  "builtins.int",
  "builtins.float",
  "builtins.complex",
  "builtins.bool",
  "builtins.str",
  "builtins.slice",
  "builtins.range",
  "builtins.object",
  "datetime.datetime",
  "datetime.date",
  "datetime.time",
  "datetime.timedelta",
  "datetime.timezone",
  "decimal.Decimal",
  "uuid.UUID",
  "pathlib.PosixPath",
  "pathlib.WindowsPath",
  "pathlib.PurePosixPath",
  "pathlib.PureWindowsPath",
  ...TORCH_STORAGES.map((s) => `torch.${s}`),
  ...TORCH_DTYPES.map((d) => `torch.${d}`),
]);

/** Modules whose every member is safe to import (dtype classes only build type objects). */
const SAFE_MODULES = ["numpy.dtypes"];

/** Modules where any import is dangerous: process, system, network, code loading, nested unpickling. */
const DANGEROUS_MODULES = [
  "os",
  "posix",
  "nt",
  "subprocess",
  "_posixsubprocess",
  "sys",
  "socket",
  "_socket",
  "ssl",
  "shutil",
  "runpy",
  "pty",
  "pdb",
  "bdb",
  "code",
  "codeop",
  "pickle",
  "_pickle",
  "pickletools",
  "shelve",
  "marshal",
  "importlib",
  "imp",
  "zipimport",
  "pkgutil",
  "inspect",
  "ctypes",
  "_ctypes",
  "cffi",
  "multiprocessing",
  "concurrent",
  "threading",
  "_thread",
  "signal",
  "asyncio",
  "select",
  "selectors",
  "webbrowser",
  "urllib",
  "http",
  "ftplib",
  "smtplib",
  "telnetlib",
  "xmlrpc",
  "requests",
  "httpx",
  "aiohttp",
  "urllib3",
  "pip",
  "ensurepip",
  "venv",
  "distutils",
  "setuptools",
  "timeit",
  "trace",
  "profile",
  "cProfile",
  "doctest",
  "pydoc",
  "tempfile",
  "io",
  "_io",
  "fileinput",
  "linecache",
  "cloudpickle",
  "dill",
  "joblib.externals.cloudpickle",
  "torch.hub",
  "torch.jit",
  "torch.package",
  "torch.utils.cpp_extension",
  "torch._dynamo",
  "torch._inductor",
  "torch.serialization",
  "torch.multiprocessing",
  "numpy.testing",
  "numpy.f2py",
  "numpy.distutils",
  "pandas.io",
  "IPython",
  "builtins.__loader__",
];

/** Single names that are dangerous in otherwise ordinary modules. */
const DANGEROUS_GLOBALS = new Set<string>([
  "builtins.eval",
  "builtins.exec",
  "builtins.execfile",
  "builtins.compile",
  "builtins.open",
  "builtins.file",
  "builtins.input",
  "builtins.raw_input",
  "builtins.__import__",
  "builtins.getattr",
  "builtins.setattr",
  "builtins.delattr",
  "builtins.hasattr",
  "builtins.globals",
  "builtins.locals",
  "builtins.vars",
  "builtins.dir",
  "builtins.breakpoint",
  "builtins.apply",
  "builtins.reload",
  "builtins.help",
  "builtins.memoryview",
  "builtins.type",
  "builtins.super",
  "builtins.classmethod",
  "builtins.staticmethod",
  "builtins.property",
  "operator.attrgetter",
  "operator.itemgetter",
  "operator.methodcaller",
  "operator.getitem",
  "operator.setitem",
  "operator.delitem",
  "operator.call",
  "_operator.attrgetter",
  "_operator.itemgetter",
  "_operator.methodcaller",
  "_operator.getitem",
  "_operator.call",
  "functools.partial",
  "functools.reduce",
  "_functools.partial",
  "_functools.reduce",
  "types.CodeType",
  "types.FunctionType",
  "types.MethodType",
  "types.ModuleType",
  "types.LambdaType",
  "types.SimpleNamespace",
  "torch.load",
  "torch.storage._load_from_bytes",
  "torch._C._import_ir_module_from_package",
  "torch.classes.load_library",
  "torch.ops.load_library",
  "numpy.load",
  "numpy.loads",
  "numpy.fromfile",
  "numpy.save",
  "numpy.lib.npyio.load",
  "numpy.core.multiarray.loads",
  "pandas.read_pickle",
  "pandas.read_csv",
  "keras.models.load_model",
  "tensorflow.io.read_file",
  "tensorflow.io.write_file",
  "yaml.load",
  "yaml.unsafe_load",
  "jinja2.Template",
  "random._os",
  "site.main",
  "sklearn.externals.joblib.load",
  "joblib.load",
]);

function normaliseModule(module: string): string {
  return PY2_MODULES[module] ?? module;
}

function inModuleList(module: string, list: readonly string[]): boolean {
  for (const m of list) {
    if (module === m || module.startsWith(`${m}.`)) return true;
  }
  return false;
}

/**
 * Classifies one `module.name` import of a pickle: safe when allowlisted, dangerous when it
 * names code execution, system, network or nested deserialisation, suspicious otherwise.
 */
export function classifyImport(rawModule: string, name: string): ImportClass {
  const module = normaliseModule(rawModule);
  const full = `${module}.${name}`;
  // Attribute paths ("os.system" as a name, or dunders) reach past the imported object.
  if (name.startsWith("__") && !SAFE_GLOBALS.has(full)) return "dangerous";
  if (DANGEROUS_GLOBALS.has(full)) return "dangerous";
  if (inModuleList(module, DANGEROUS_MODULES)) return "dangerous";
  if (name.includes(".")) {
    // pickle protocol 4 resolves dotted names by getattr walks: classify every prefix.
    const parts = name.split(".");
    for (const part of parts) if (part.startsWith("_") && part.startsWith("__")) return "dangerous";
    const head = parts[0] ?? "";
    if (classifyImport(module, head) === "dangerous") return "dangerous";
    return SAFE_GLOBALS.has(full) ? "safe" : "suspicious";
  }
  if (SAFE_GLOBALS.has(full)) return "safe";
  if (inModuleList(module, SAFE_MODULES)) return "safe";
  return "suspicious";
}

/** The Python 3 module name pickle would import for `module` (fix_imports). */
export function canonicalModule(module: string): string {
  return normaliseModule(module);
}
