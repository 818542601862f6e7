import Foundation
import MorphNN
import MorphTensor

// The three networks of MTCNN (Zhang et al. 2016) exactly as facenet-pytorch defines them
// (models/mtcnn.py): layer names, shapes and order match its state dicts, so the converted
// weights (Fixtures/models/mtcnn.safetensors, scripts/convert-mtcnn.py) load by name. Inference
// only: every forward pass runs without a tape.

/// A convolution or dense layer's weight and bias plus the PReLU slopes that follow it.
struct MTCNNLayer {
  let weight: Tensor
  let bias: Tensor
  let slopes: Tensor?

  /// Reads `prefix.weight`, `prefix.bias` (and `slopePrefix.weight`) from `contents`.
  init(_ contents: Safetensors.Contents, file: String, prefix: String, shape: [Int], prelu slopePrefix: String?) throws {
    weight = try contents.tensor("\(prefix).weight", shape: shape, file: file)
    bias = try contents.tensor("\(prefix).bias", shape: [shape[0]], file: file)
    slopes = try slopePrefix.map { try contents.tensor("\($0).weight", shape: [shape[0]], file: file) }
  }

  /// Convolution (no padding, stride 1) then PReLU when the layer has slopes.
  func conv(_ x: Tensor) -> Tensor {
    let y = conv2dFused(x, weight, bias: bias, relu: false)
    return slopes.map { prelu(y, $0) } ?? y
  }

  /// Dense layer then PReLU when the layer has slopes.
  func dense(_ x: Tensor) -> Tensor {
    let y = linear(x, weight, bias)
    return slopes.map { prelu(y, $0) } ?? y
  }
}

/// The proposal network: fully convolutional, a 12×12 window every 2 pixels.
struct PNet {
  let conv1, conv2, conv3, conv41, conv42: MTCNNLayer

  init(_ c: Safetensors.Contents, file: String) throws {
    conv1 = try MTCNNLayer(c, file: file, prefix: "pnet.conv1", shape: [10, 3, 3, 3], prelu: "pnet.prelu1")
    conv2 = try MTCNNLayer(c, file: file, prefix: "pnet.conv2", shape: [16, 10, 3, 3], prelu: "pnet.prelu2")
    conv3 = try MTCNNLayer(c, file: file, prefix: "pnet.conv3", shape: [32, 16, 3, 3], prelu: "pnet.prelu3")
    conv41 = try MTCNNLayer(c, file: file, prefix: "pnet.conv4_1", shape: [2, 32, 1, 1], prelu: nil)
    conv42 = try MTCNNLayer(c, file: file, prefix: "pnet.conv4_2", shape: [4, 32, 1, 1], prelu: nil)
  }

  /// Box regression (N×4×h×w) and face probabilities (N×2×h×w; channel 1 is "face") of
  /// normalised images N×3×H×W.
  func callAsFunction(_ x: Tensor) -> (regression: Tensor, probabilities: Tensor) {
    withoutGrad {
      var y = conv1.conv(x).maxPool2d(kernel: 2, stride: 2, ceilMode: true)
      y = conv3.conv(conv2.conv(y))
      return (conv42.conv(y), conv41.conv(y).softmax(axis: 1))
    }
  }
}

/// The refinement network: 24×24 crops to a score and a box correction.
struct RNet {
  let conv1, conv2, conv3, dense4, dense51, dense52: MTCNNLayer

  init(_ c: Safetensors.Contents, file: String) throws {
    conv1 = try MTCNNLayer(c, file: file, prefix: "rnet.conv1", shape: [28, 3, 3, 3], prelu: "rnet.prelu1")
    conv2 = try MTCNNLayer(c, file: file, prefix: "rnet.conv2", shape: [48, 28, 3, 3], prelu: "rnet.prelu2")
    conv3 = try MTCNNLayer(c, file: file, prefix: "rnet.conv3", shape: [64, 48, 2, 2], prelu: "rnet.prelu3")
    dense4 = try MTCNNLayer(c, file: file, prefix: "rnet.dense4", shape: [128, 576], prelu: "rnet.prelu4")
    dense51 = try MTCNNLayer(c, file: file, prefix: "rnet.dense5_1", shape: [2, 128], prelu: nil)
    dense52 = try MTCNNLayer(c, file: file, prefix: "rnet.dense5_2", shape: [4, 128], prelu: nil)
  }

  /// Box regression (N×4) and face probabilities (N×2) of normalised crops N×3×24×24.
  func callAsFunction(_ x: Tensor) -> (regression: Tensor, probabilities: Tensor) {
    withoutGrad {
      var y = conv1.conv(x).maxPool2d(kernel: 3, stride: 2, ceilMode: true)
      y = conv2.conv(y).maxPool2d(kernel: 3, stride: 2, ceilMode: true)
      // facenet-pytorch flattens in (x, y, channel) order: permute(0, 3, 2, 1) first.
      y = dense4.dense(conv3.conv(y).permute([0, 3, 2, 1]).flatten(from: 1))
      return (dense52.dense(y), dense51.dense(y).softmax(axis: 1))
    }
  }
}

/// The output network: 48×48 crops to a score, a box correction and five landmarks.
struct ONet {
  let conv1, conv2, conv3, conv4, dense5, dense61, dense62, dense63: MTCNNLayer

  init(_ c: Safetensors.Contents, file: String) throws {
    conv1 = try MTCNNLayer(c, file: file, prefix: "onet.conv1", shape: [32, 3, 3, 3], prelu: "onet.prelu1")
    conv2 = try MTCNNLayer(c, file: file, prefix: "onet.conv2", shape: [64, 32, 3, 3], prelu: "onet.prelu2")
    conv3 = try MTCNNLayer(c, file: file, prefix: "onet.conv3", shape: [64, 64, 3, 3], prelu: "onet.prelu3")
    conv4 = try MTCNNLayer(c, file: file, prefix: "onet.conv4", shape: [128, 64, 2, 2], prelu: "onet.prelu4")
    dense5 = try MTCNNLayer(c, file: file, prefix: "onet.dense5", shape: [256, 1152], prelu: "onet.prelu5")
    dense61 = try MTCNNLayer(c, file: file, prefix: "onet.dense6_1", shape: [2, 256], prelu: nil)
    dense62 = try MTCNNLayer(c, file: file, prefix: "onet.dense6_2", shape: [4, 256], prelu: nil)
    dense63 = try MTCNNLayer(c, file: file, prefix: "onet.dense6_3", shape: [10, 256], prelu: nil)
  }

  /// Box regression (N×4), landmarks (N×10: five x then five y, as fractions of the crop) and
  /// face probabilities (N×2) of normalised crops N×3×48×48.
  func callAsFunction(_ x: Tensor) -> (regression: Tensor, landmarks: Tensor, probabilities: Tensor) {
    withoutGrad {
      var y = conv1.conv(x).maxPool2d(kernel: 3, stride: 2, ceilMode: true)
      y = conv2.conv(y).maxPool2d(kernel: 3, stride: 2, ceilMode: true)
      y = conv3.conv(y).maxPool2d(kernel: 2, stride: 2, ceilMode: true)
      y = dense5.dense(conv4.conv(y).permute([0, 3, 2, 1]).flatten(from: 1))
      return (dense62.dense(y), dense63.dense(y), dense61.dense(y).softmax(axis: 1))
    }
  }
}

/// The three networks of one weights file.
struct MTCNNNetworks {
  let pnet: PNet
  let rnet: RNet
  let onet: ONet

  /// Total parameter count of facenet-pytorch's MTCNN, checked on load.
  static let parameterCount = 495_850

  /// Reads and checks the weights file (`Fixtures/models/mtcnn.safetensors`).
  init(weights url: URL) throws {
    guard FileManager.default.fileExists(atPath: url.path) else { throw FaceDetectionError.missingWeights(path: url.path) }
    let contents: Safetensors.Contents
    do { contents = try Safetensors.read(url) } catch { throw FaceDetectionError.badWeights(path: url.path, reason: "\(error)") }
    do {
      pnet = try PNet(contents, file: url.path)
      rnet = try RNet(contents, file: url.path)
      onet = try ONet(contents, file: url.path)
    } catch { throw FaceDetectionError.badWeights(path: url.path, reason: "\(error)") }
    let total = contents.tensors.values.reduce(0) { $0 + $1.count }
    guard total == Self.parameterCount else {
      throw FaceDetectionError.badWeights(
        path: url.path, reason: "\(total) parameters, MTCNN has \(Self.parameterCount): not facenet-pytorch's MTCNN weights")
    }
  }
}
