import Foundation
import MorphModels
import MorphTensor

/// `homointerp.interpolate`: moves each face's latent toward a reference, per attribute group:
/// `F_a + Σ_i v_i · T_i(F_b − F_a)`. One output frame (the edit), a path of frames from the
/// face to the edit (`path_frames`), or a sweep (`sweep`): one row per group in `sweep_groups`,
/// one column per strength, every other group held at 0. With `method: latent-lerp` it is the
/// plain latent-space baseline instead, `F_a + v·(F_b − F_a)` with no branches: one strength
/// moves the whole face, so every sweep row is the same path.
enum HomoInterpInterpolateStage {
  static let descriptor = StageDescriptor(
    name: "homointerp.interpolate",
    summary: "Move latents toward a reference (images, catalog query or attribute prototype) per attribute group.",
    shape: .map, input: .latents, output: .latents,
    parameters: [HomoInterpCheckpoint.parameter] + HomoInterpParameters.groupStrengths + [
      ParameterSpec(
        "method", .string, default: .string("homointerp"),
        "homointerp (the per-group branches) or latent-lerp (the baseline F_a + v·(F_b − F_a) with the same "
          + "encoder/decoder; v = the row's largest group strength).",
        check: { v in
          ["homointerp", "latent-lerp"].contains(v.stringValue ?? "")
            ? nil : "must be homointerp or latent-lerp, got \(v)"
        }),
      HomoInterpParameters.strengthsSpec,
      ParameterSpec(
        "residual", .double, default: .double(-1),
        "Strength of the residual branch (what no group describes), 0…2; -1 = the smallest group strength.",
        check: { v in
          guard let d = v.doubleValue, d == -1 || HomoInterpParameters.strengthRange.contains(d) else {
            return "must be -1 (automatic) or within 0…2, got \(v)"
          }
          return nil
        }),
      HomoInterpParameters.sweepSpec(
        "Sweep strengths, e.g. \"0, 0.5, 1\": one frame per strength and row, other groups at 0 "
          + "(empty = no sweep; strength.* then apply)."),
      HomoInterpParameters.sweepGroupsSpec(
        "Sweep rows: group names; `all` = every group together, `each` = every group in turn (empty = `each`)."),
      ParameterSpec(
        "path_frames", .int, default: .int(0),
        "Without a sweep: this many frames from the face (t = 0) to the edit (t = 1) at strengths t·v (0 = the edit only).",
        range: .integers(0...200)),
    ] + HomoInterpReference.parameters,
    concurrency: 1, batch: 4, modelHash: HomoInterpCheckpoint.modelHash
  ) { context in
    let checkpoint = try HomoInterpCheckpoint.load(context)
    let groups = checkpoint.groupNames
    let plan = try strengthRows(context, groups: groups)
    let reference = try HomoInterpReference.resolve(context, checkpoint: checkpoint)
    let c = checkpoint.config.latentChannels, s = checkpoint.config.latentSide
    let latentLerp = context.string("method") == "latent-lerp"
    return .map { items in
      let (sources, counts) = try HomoInterpFrames.latents(items, channels: c, side: s, stage: context.stageID)
      guard counts.allSatisfy({ $0 == 1 }) else {
        throw PipelineError.stage(
          stage: context.stageID, message: "takes one latent per face (from homointerp.encode), got frame counts \(counts)")
      }
      let references = reference.latents(for: sources)
      // One interpolator call per strength row, over the whole micro-batch.
      let outputs = try checkpoint.withModel { model in
        try plan.map { row in
          if latentLerp {
            let v = row.strengths.max() ?? 0
            return sources + (references.broadcast(to: sources.shape) - sources) * v
          }
          return try model.interpolate(
            source: sources, reference: references, strengths: row.strengths, residualStrength: row.residual)
        }
      }
      let n = items.count, per = c * s * s
      return (0..<n).map { i in
        var data: [Float] = []
        data.reserveCapacity(plan.count * per)
        for output in outputs { data += output.scalars[(i * per)..<((i + 1) * per)] }
        return .success(.tensor(shape: [plan.count, c, s, s], data: data))
      }
    }
  }

  /// One frame's strengths: per group, and for the residual branch (nil = automatic).
  struct Row {
    var strengths: [Float]
    var residual: Float?
  }

  /// The frames the stage's parameters ask for, in output order.
  static func strengthRows(_ context: StageContext, groups: [String]) throws -> [Row] {
    let fixed = try HomoInterpParameters.strengths(context, groups: groups)
    let residual = context.double("residual") < 0 ? nil : Float(context.double("residual"))
    let sweep: [Float]
    do { sweep = try HomoInterpParameters.strengthList(context.string("sweep")) } catch {
      throw PipelineError.stage(stage: context.stageID, message: "sweep: \(error)")
    }
    if !sweep.isEmpty {
      let rows = try HomoInterpParameters.sweepRows(context, groups: groups)
      return rows.flatMap { name in
        sweep.map { v in
          name == "all"
            ? Row(strengths: [Float](repeating: v, count: groups.count), residual: residual ?? v)
            : Row(
              strengths: groups.map { $0 == name ? v : 0 }, residual: residual)
        }
      }
    }
    let frames = context.int("path_frames")
    if frames > 0 {
      return (0..<frames).map { k in
        let t = frames == 1 ? 1 : Float(k) / Float(frames - 1)
        return Row(strengths: fixed.map { $0 * t }, residual: residual.map { $0 * t })
      }
    }
    return [Row(strengths: fixed, residual: residual)]
  }
}
