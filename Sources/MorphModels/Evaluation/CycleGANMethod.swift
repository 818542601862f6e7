import Foundation
import MorphTensor

extension InterpolationMethod {
  /// CycleGAN translators as an interpolation method (the documents' second baseline).
  ///
  /// For a pair edited in group g, every translator whose domain split concerns g and puts
  /// source and reference in different domains is applied in turn, toward the reference's
  /// domain (the chain). CycleGAN has no strength knob, so the state at strength v is the
  /// pixel blend `(1 − v)·source + v·translated` — exactly the limitation the documents name.
  /// Pairs no translator can move (same domain, or a group without a translator) stay the
  /// source at every strength.
  ///
  /// `pairs` are the evaluated pairs (the harness passes `pairIndex`): their labels choose
  /// the direction, as a user picks "make this face smile".
  public static func cycleGAN(translators: [CycleGANModel], pairs: [EvalPair], name: String = "cyclegan") throws -> InterpolationMethod {
    guard !translators.isEmpty else { throw CycleGANError.badConfig("the cyclegan method needs at least one translator checkpoint") }
    for t in translators { t.eval() }
    let lock = NSLock()
    let shared = UncheckedBox(translators)
    let cache = UncheckedBox(TranslationCache())
    return InterpolationMethod(name: name) { request in
      guard request.pairIndex >= 0, request.pairIndex < pairs.count else {
        throw CycleGANError.badInput("pair index \(request.pairIndex) outside the \(pairs.count) pairs the method was built for")
      }
      let translated: EvalImage = try {
        lock.lock()
        defer { lock.unlock() }
        if let hit = cache.value.images[request.pairIndex] { return hit }
        let pair = pairs[request.pairIndex]
        let steps = CycleGANChain.steps(from: shared.value, source: pair.source, reference: pair.reference, group: request.group)
        var image = request.source
        if !steps.isEmpty {
          let chain = try CycleGANChain(steps: steps)
          let states = try chain.apply(try CycleGANFrame.input(request.source, size: chain.imageSize))
          image = try CycleGANFrame.paste(states[states.count - 1], into: request.source)
        }
        cache.value.insert(image, for: request.pairIndex)
        return image
      }()
      return CycleGANFrame.blend(request.source, translated, strength: request.strength)
    }
  }
}

/// Translated outputs of recent pairs: the harness asks for every strength of a pair in a row
/// (pairs run in parallel), so a few entries are enough. Guarded by the method's lock.
final class TranslationCache {
  private(set) var images: [Int: EvalImage] = [:]
  private var order: [Int] = []

  func insert(_ image: EvalImage, for pair: Int) {
    images[pair] = image
    order.append(pair)
    if order.count > 16 { images[order.removeFirst()] = nil }
  }
}
