import CMorphMPI
import Foundation
import MorphNN

/// The ranks of an MPI job (Open MPI's MPI_COMM_WORLD) as a `DataParallelGroup`.
///
/// Open MPI's library is loaded when a process finds itself started by `mpirun` (the
/// launcher sets `OMPI_COMM_WORLD_SIZE`), through the C target CMorphMPI: nothing of MPI is
/// needed to build Morph, and a plain `morph` never touches it (docs/scale-out-mpi.md).
public final class MPIGroup: DataParallelGroup {
  public let rank: Int
  public let size: Int
  /// All-reduce calls made so far and the floats they carried (for the benchmark and tests).
  public private(set) var allReduceCalls = 0
  public private(set) var allReducedFloats = 0
  /// Seconds spent inside all-reduce calls, waiting for slower ranks included.
  public private(set) var allReduceSeconds = 0.0

  /// The launcher variable whose presence means "started by Open MPI's mpirun".
  public static let launcherVariable = "OMPI_COMM_WORLD_SIZE"

  /// The job this process belongs to, or nil when it was not started by `mpirun`.
  /// Throws when it was, but libmpi cannot be loaded or initialised.
  public static func fromLauncher(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MPIGroup? {
    guard let text = environment[launcherVariable] else { return nil }
    guard Int(text).map({ $0 >= 1 }) == true else {
      throw DistributedError.launcher("\(launcherVariable)=\(text) is not a rank count: start morph with mpirun -np N, or unset it")
    }
    return try MPIGroup()
  }

  /// Loads libmpi and initialises MPI (MPI_Init), once per process.
  public init() throws {
    var message = [CChar](repeating: 0, count: 512)
    guard morph_mpi_load(&message, message.count) == 0 else {
      let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      throw DistributedError.library(
        "\(reason): mpirun started morph, but its MPI library is missing; install Open MPI (Debian: apt-get install openmpi-bin)")
    }
    var rank: Int32 = 0, size: Int32 = 1
    try Self.check(morph_mpi_init(&rank, &size), "MPI_Init")
    self.rank = Int(rank)
    self.size = Int(size)
  }

  public func allReduceSum(_ values: inout [Float]) throws {
    let start = Date()
    let code = values.withUnsafeMutableBufferPointer { morph_mpi_allreduce_sum($0.baseAddress, $0.count) }
    allReduceSeconds += Date().timeIntervalSince(start)
    allReduceCalls += 1
    allReducedFloats += values.count
    try Self.check(code, "MPI_Allreduce of \(values.count) floats")
  }

  public func broadcast(_ values: inout [Float], from root: Int) throws {
    let code = values.withUnsafeMutableBufferPointer { morph_mpi_broadcast($0.baseAddress, $0.count, Int32(root)) }
    try Self.check(code, "MPI_Bcast of \(values.count) floats from rank \(root)")
  }

  /// Waits until every rank gets here.
  public func barrier() throws { try Self.check(morph_mpi_barrier(), "MPI_Barrier") }

  /// Ends MPI for this process (MPI_Finalize); call once, after the last collective.
  public func finalize() throws { try Self.check(morph_mpi_finalize(), "MPI_Finalize") }

  /// Ends every rank of the job with `code` (MPI_Abort): what a rank that failed must do,
  /// since the others would wait for it in their next all-reduce forever.
  public func abort(code: Int32) -> Never {
    morph_mpi_abort(code)
    exit(code)
  }

  static func check(_ code: Int32, _ what: String) throws {
    guard code != 0 else { return }
    var message = [CChar](repeating: 0, count: 300)
    morph_mpi_error_string(code, &message, message.count)
    let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw DistributedError.mpi("\(what) failed: \(text) (MPI error \(code))")
  }
}

/// What can go wrong joining or running an MPI job.
public enum DistributedError: Error, CustomStringConvertible {
  /// The launcher's environment is not what mpirun sets.
  case launcher(String)
  /// libmpi could not be loaded.
  case library(String)
  /// An MPI call returned an error.
  case mpi(String)

  public var description: String {
    switch self {
    case .launcher(let m), .library(let m), .mpi(let m): m
    }
  }
}
