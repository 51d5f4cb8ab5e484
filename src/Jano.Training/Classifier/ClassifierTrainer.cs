using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Training.Classifier;

/// <summary>Trains a <see cref="FrameClassifier"/> with AdamW and cross-entropy on frames drawn from an <see cref="IFrameSampler"/>.</summary>
public static class ClassifierTrainer
{
    /// <summary>Steps between progress reports.</summary>
    public const int LogEvery = 100;

    /// <summary>
    /// Trains <paramref name="model"/> in place for <see cref="ClassifierTrainOptions.Epochs"/> epochs (batches drawn with
    /// a <see cref="Random"/> seeded from the options), then puts it in eval mode. Returns the seconds spent.
    /// </summary>
    public static double Train(FrameClassifier model, IFrameSampler sampler, ClassifierTrainOptions options,
        Action<ClassifierProgress>? log = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (sampler.Channels != model.Channels || sampler.Side != model.Side)
            throw new ArgumentException($"the sampler draws {sampler.Channels}x{sampler.Side}x{sampler.Side} frames; the classifier takes {model.Channels}x{model.Side}x{model.Side}");
        int stepsPerEpoch = Math.Max(1, sampler.FramesPerEpoch / options.BatchSize);
        int total = stepsPerEpoch * options.Epochs;
        var rng = new Random(options.Seed);
        var pixels = new float[options.BatchSize * model.Plane];
        var labels = new long[options.BatchSize];
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var watch = Stopwatch.StartNew();
        double lossEma = double.NaN;
        int step = 0;
        model.train();
        try
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                for (int s = 0; s < stepsPerEpoch; s++, step++)
                {
                    cancel.ThrowIfCancellationRequested();
                    double progress = (double)step / total;
                    double lr = options.LearningRate * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
                    foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                    sampler.Batch(rng, pixels, labels);
                    using var scope = NewDisposeScope();
                    var x = torch.tensor(pixels, [options.BatchSize, model.Channels, model.Side, model.Side]);
                    var y = torch.tensor(labels);
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.Logits(x), y);
                    loss.backward();
                    optimizer.step();
                    double value = loss.item<float>();
                    lossEma = double.IsNaN(lossEma) ? value : 0.98 * lossEma + 0.02 * value;
                    if ((step + 1) % LogEvery == 0)
                        log?.Invoke(new ClassifierProgress(epoch, step + 1, stepsPerEpoch, lossEma, watch.Elapsed.TotalSeconds, false));
                }
                log?.Invoke(new ClassifierProgress(epoch, step, stepsPerEpoch, lossEma, watch.Elapsed.TotalSeconds, true));
            }
        }
        finally
        {
            model.eval();
        }
        return watch.Elapsed.TotalSeconds;
    }
}
