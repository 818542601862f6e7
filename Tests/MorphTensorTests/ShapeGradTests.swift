import MorphTensor
import XCTest

final class ShapeGradTests: XCTestCase {
  let x = GradCheck.random([3, 2, 4], seed: 11)

  func testReductions() throws {
    try GradCheck.check([x]) { GradCheck.weighted($0[0].sum(axes: [1])) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].sum(axes: [0, 2], keepDims: true)) }
    try GradCheck.check([x]) { $0[0].mean() * 5 }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].norm(axes: [1, 2])) }
    try GradCheck.checkSecondOrder([x]) { GradCheck.weighted($0[0].norm(axes: [1, 2])) }
    try GradCheck.checkSecondOrder([x]) { GradCheck.weighted($0[0].mean(axes: [2], keepDims: true) * $0[0]) }
  }

  func testReductionValues() {
    let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(t.sum(axes: [0]).scalars, [5, 7, 9])
    XCTAssertEqual(t.sum(axes: [1], keepDims: true).shape, [2, 1])
    XCTAssertEqual(t.sum(axes: [1]).scalars, [6, 15])
    XCTAssertEqual(t.mean().item, 3.5)
    XCTAssertEqual(Tensor(shape: [2], scalars: [3, 4]).norm().item, 5)
  }

  func testReshapePermuteConcatNarrow() throws {
    try GradCheck.check([x]) { GradCheck.weighted($0[0].reshape([6, -1]).square()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].permute([2, 0, 1]).square()) }
    let y = GradCheck.random([3, 1, 4], seed: 12)
    try GradCheck.check([x, y]) { GradCheck.weighted(Tensor.concat([$0[0], $0[1]], axis: 1).square()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].narrow(axis: 2, start: 1, length: 2).square()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].indexSelect([2, 0, 1, 2]).square()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].broadcast(to: [2, 3, 2, 4]).square()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].pad(axis: 1, start: 1, total: 4).square()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].indexAdd([1, 1, 0], count: 2).square()) }
    try GradCheck.checkSecondOrder([x, y]) {
      GradCheck.weighted(Tensor.concat([$0[0], $0[1]], axis: 1).indexSelect([1, 0, 2]).permute([2, 1, 0]).square())
    }
  }

  func testShapeValues() {
    let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(t.permute([1, 0]).scalars, [1, 4, 2, 5, 3, 6])
    XCTAssertEqual(Tensor.concat([t, t], axis: 1).scalars, [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
    XCTAssertEqual(t.narrow(axis: 1, start: 1, length: 2).scalars, [2, 3, 5, 6])
    XCTAssertEqual(t.indexSelect([1, 1, 0]).scalars, [4, 5, 6, 4, 5, 6, 1, 2, 3])
    XCTAssertEqual(t.batch(1..<2).scalars, [4, 5, 6])
    XCTAssertEqual((t + Tensor(shape: [3], scalars: [10, 20, 30])).scalars, [11, 22, 33, 14, 25, 36])
  }

  func testMatmul() throws {
    let a = GradCheck.random([3, 4], seed: 21), b = GradCheck.random([4, 2], seed: 22)
    let at = GradCheck.random([4, 3], seed: 23), bt = GradCheck.random([2, 4], seed: 24)
    try GradCheck.check([a, b]) { GradCheck.weighted(matmul($0[0], $0[1])) }
    try GradCheck.check([at, b]) { GradCheck.weighted(matmul($0[0], $0[1], transposeA: true)) }
    try GradCheck.check([a, bt]) { GradCheck.weighted(matmul($0[0], $0[1], transposeB: true)) }
    try GradCheck.check([at, bt]) { GradCheck.weighted(matmul($0[0], $0[1], transposeA: true, transposeB: true)) }
    try GradCheck.checkSecondOrder([a, b]) { GradCheck.weighted(matmul($0[0], $0[1]).square()) }
    let w = GradCheck.random([5, 4], seed: 25), bias = GradCheck.random([5], seed: 26)
    try GradCheck.check([a, w, bias]) { GradCheck.weighted(linear($0[0], $0[1], $0[2])) }
  }

  func testRandomIsSeeded() {
    var r1 = RandomGenerator(seed: 5), r2 = RandomGenerator(seed: 5)
    XCTAssertEqual(Tensor.randn([10], rng: &r1).scalars, Tensor.randn([10], rng: &r2).scalars)
    let u = Tensor.rand([1000], rng: &r1)
    XCTAssert(u.min() >= 0 && u.max() < 1)
    let n = Tensor.randn([4000], rng: &r1)
    XCTAssertEqual(n.mean().item, 0, accuracy: 0.06)
    XCTAssertEqual(n.square().mean().item, 1, accuracy: 0.08)
    let ints = Tensor.randint([200], high: 2, rng: &r1)
    XCTAssertEqual(Set(ints.scalars), [0, 1])
    XCTAssertEqual(r1.permutation(6).sorted(), Array(0..<6))
  }

  func testNoGradRecordsNothing() throws {
    let w = Tensor.ones([2]).requiringGrad()
    let y = withoutGrad { (w * 2).sum() }
    XCTAssertFalse(y.requiresGrad)
    XCTAssertThrowsError(try y.backward())
  }
}
