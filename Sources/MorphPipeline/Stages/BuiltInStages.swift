/// Every stage Morph ships, as registered in `StageRegistry.builtIn`.
enum BuiltInStages {
  static var all: [StageDescriptor] {
    [
      LoadStage.descriptor, PreprocessStage.descriptor, AlignStage.descriptor, JitterStage.descriptor, ToTensorStage.descriptor,
      SaveStage.descriptor, GridStage.descriptor, AnimateStage.descriptor,
      DetectStage.descriptor, PasteStage.descriptor, BeforeAfterStage.descriptor,
      IngestStage.descriptor, SelectStage.descriptor, WriteLatentsStage.descriptor, WriteMetricsStage.descriptor,
      UtilityStages.sequence, UtilityStages.pass, UtilityStages.delay,
      HomoInterpEncodeStage.descriptor, HomoInterpInterpolateStage.descriptor, HomoInterpDecodeStage.descriptor,
      HomoInterpDetailStage.descriptor,
      HomoInterpScoreStage.descriptor, HomoInterpSheetStage.descriptor, HomoInterpAnimateStage.descriptor,
      HomoInterpTrainStage.descriptor,
      CycleGANTrainStage.descriptor,
      CycleGANTranslateStage.descriptor,
      CycleGANChainStage.descriptor,
    ]
  }
}
