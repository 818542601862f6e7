import Foundation

// libFuzzer entry point for Morph's readers of outside input (issue 40).
//
// This module exists only in the fuzz build: `make fuzz` sets MORPH_FUZZ=1, which adds the
// target to Package.swift, and builds it with `-sanitize=fuzzer,address` in .build-fuzz.
// libFuzzer supplies `main`, so the module is compiled with `-parse-as-library` and has none;
// `MORPH_FUZZ_TARGET` picks the reader a run exercises (see `FuzzTarget.all`).

/// The target chosen by `MORPH_FUZZ_TARGET`, resolved once, before the first input.
let selectedTarget: FuzzTarget = {
  let name = ProcessInfo.processInfo.environment["MORPH_FUZZ_TARGET"] ?? ""
  guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
    let list = FuzzTarget.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n")
    FileHandle.standardError.write(Data("MORPH_FUZZ_TARGET must name one of:\n\(list)\n".utf8))
    exit(2)
  }
  return target
}()

/// Called by libFuzzer once per input; returns 0 (the input is kept or dropped by coverage).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  selectedTarget.run(bytes)
  return 0
}
