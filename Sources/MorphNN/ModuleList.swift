import MorphTensor

/// A list of modules named "0", "1", … (PyTorch's `nn.ModuleList`), for models that hold
/// several parallel branches or heads rather than a chain.
public final class ModuleList: Module {
  public let modules: [any Module]
  public var isTraining = true

  public init(_ modules: [any Module]) { self.modules = modules }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    modules.enumerated().map { (String($0.offset), $0.element) }
  }
}
