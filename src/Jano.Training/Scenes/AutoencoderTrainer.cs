using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jano.Core.Weights;
using Jano.Models.FrameAutoencoder;
using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Training.Scenes;

/// <summary>
/// Trains a <see cref="FrameAutoencoderModel"/> on random crops of single frames of <see cref="SceneSource"/> clips:
/// loss = <see cref="AutoencoderTrainOptions.L1Weight"/>·L1 + <see cref="AutoencoderTrainOptions.MseWeight"/>·MSE + <see cref="AutoencoderTrainOptions.EdgeWeight"/>·L1 of
/// the horizontal and vertical pixel differences; <see cref="CompactAdamW"/>, linear warm-up then cosine decay.
/// Checkpoints hold the weights, the step and the times (no optimizer moments): resuming restarts the moments under a
/// short warm-up. With <see cref="AutoencoderTrainOptions.FreezeEncoder"/> only the decoder learns. Batches depend only on the seed and the step, so a resumed run sees the data an uninterrupted one would.
/// </summary>
public sealed class AutoencoderTrainer : IDisposable
{
    private readonly FrameAutoencoderModel _model;
    private readonly SceneSource _source;
    private readonly AutoencoderTrainOptions _o;
    private readonly CompactAdamW _opt;
    private int _resumeStep = -1;

    public AutoencoderTrainer(FrameAutoencoderModel model, SceneSource source, AutoencoderTrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.CropSize > source.Side) throw new ArgumentException($"crop size ({options.CropSize}) exceeds the frame side ({source.Side})");
        _model = model;
        _source = source;
        _o = options;
        var trained = model.named_parameters()
            .Where(p => !options.FreezeEncoder || !p.name.StartsWith("encoder.", StringComparison.Ordinal))
            .Select(p => (p.name, (Tensor)p.parameter));
        _opt = new CompactAdamW(trained, (_, p) => p.dim() >= 2, withEma: false)
        {
            WeightDecay = options.WeightDecay,
        };
    }

    public int Step { get; private set; }

    /// <summary>Steps of this process whose gradient was not finite (no update was made).</summary>
    public int SkippedSteps { get; private set; }

    public double LossEma { get; private set; } = double.NaN;

    public double WallSeconds { get; private set; }

    public double CpuSeconds { get; private set; }

    /// <summary>Learning rate of the update made at step <paramref name="step"/> (0-based).</summary>
    public double LearningRate(int step)
    {
        double warm = Math.Min(1.0, (step + 1.0) / Math.Max(1, _o.WarmupSteps));
        double progress = Math.Clamp((double)step / _o.MaxSteps, 0, 1);
        double cosine = _o.FinalLearningRateFraction + (1 - _o.FinalLearningRateFraction) * 0.5 * (1 + Math.Cos(Math.PI * progress));
        double lr = _o.LearningRate * warm * cosine;
        if (_resumeStep >= 0) lr *= Math.Min(1.0, (step - _resumeStep + 1.0) / Math.Max(1, _o.ResumeWarmupSteps));
        return lr;
    }

    /// <summary>Trains until <see cref="AutoencoderTrainOptions.MaxSteps"/> or <see cref="AutoencoderTrainOptions.MaxTime"/>,
    /// checkpointing to <paramref name="checkpointPath"/> periodically and at the end; returns the steps run in this call.</summary>
    public int Train(string checkpointPath, Action<AutoencoderProgress>? log = null, CancellationToken cancel = default)
    {
        var wall = Stopwatch.StartNew();
        var sinceCheckpoint = Stopwatch.StartNew();
        double wallBase = WallSeconds, cpuBase = CpuSeconds;
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        int crop = _o.CropSize, plane = crop * crop, side = _source.Side;
        var batch = new float[_o.BatchSize * 3 * plane];
        var frame = new float[3 * side * side];
        int ran = 0;
        _model.train();
        try
        {
            while (Step < _o.MaxSteps && wall.Elapsed < _o.MaxTime && !cancel.IsCancellationRequested)
            {
                var stepWatch = Stopwatch.StartNew();
                var rng = new Random(StepSeed.For(_o.Seed, Step));
                for (int b = 0; b < _o.BatchSize; b++)
                {
                    var clip = _source.Draw(rng, rng.Next(10));
                    _source.RenderFrame(clip, rng.Next(_source.Frames), frame);
                    int ox = rng.Next(side - crop + 1), oy = rng.Next(side - crop + 1);
                    for (int c = 0; c < 3; c++)
                    for (int y = 0; y < crop; y++)
                        frame.AsSpan(c * side * side + (oy + y) * side + ox, crop).CopyTo(batch.AsSpan(b * 3 * plane + c * plane + y * crop, crop));
                }
                double loss = TrainStep(batch, crop);
                Step++;
                ran++;
                if (double.IsFinite(loss)) LossEma = double.IsNaN(LossEma) ? loss : 0.98 * LossEma + 0.02 * loss;
                WallSeconds = wallBase + wall.Elapsed.TotalSeconds;
                CpuSeconds = cpuBase + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
                log?.Invoke(new AutoencoderProgress(Step, loss, LossEma, LearningRate(Step - 1), stepWatch.Elapsed.TotalSeconds, WallSeconds, CpuSeconds));
                if (sinceCheckpoint.Elapsed >= _o.CheckpointEvery)
                {
                    SaveCheckpoint(checkpointPath);
                    sinceCheckpoint.Restart();
                }
            }
            WallSeconds = wallBase + wall.Elapsed.TotalSeconds;
            CpuSeconds = cpuBase + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
            SaveCheckpoint(checkpointPath);
        }
        finally
        {
            _model.eval();
        }
        return ran;
    }

    private double TrainStep(float[] data, int crop)
    {
        using var scope = NewDisposeScope();
        var x = torch.tensor(data, [_o.BatchSize, 3, crop, crop]);            // [B, 3, S, S]
        Tensor z;                                                             // [B, z, S/4, S/4]
        if (_o.FreezeEncoder)
            using (torch.no_grad()) z = _model.Encode(x);
        else
            z = _model.Encode(x);
        var y = _model.Decode(z);                                             // [B, 3, S, S]
        var diff = y.sub(x);
        var loss = diff.abs().mean().mul(_o.L1Weight);
        if (_o.MseWeight > 0) loss = loss.Plus(diff.square().mean().mul(_o.MseWeight));
        if (_o.EdgeWeight > 0)
        {
            var dx = diff[.., .., .., 1..].sub(diff[.., .., .., ..^1]);        // [B, 3, S, S-1]
            var dy = diff[.., .., 1.., ..].sub(diff[.., .., ..^1, ..]);        // [B, 3, S-1, S]
            loss = loss.Plus(dx.abs().mean().Plus(dy.abs().mean()).mul(_o.EdgeWeight));
        }
        _opt.ZeroGrad();
        loss.backward();
        double value = loss.item<float>();
        if (!double.IsFinite(_opt.Update(LearningRate(Step)))) SkippedSteps++;
        return value;
    }

    /// <summary>Writes the weights, step, smoothed loss and times (no optimizer moments) atomically.</summary>
    public void SaveCheckpoint(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        SafetensorsWriter.Save(path, _model.named_parameters().Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach())),
            new Dictionary<string, string>
            {
                ["format"] = "compact",
                ["step"] = Step.ToString(CultureInfo.InvariantCulture),
                ["wall_s"] = WallSeconds.ToString("R", CultureInfo.InvariantCulture),
                ["cpu_s"] = CpuSeconds.ToString("R", CultureInfo.InvariantCulture),
                ["loss_ema"] = LossEma.ToString("R", CultureInfo.InvariantCulture),
                ["config"] = JsonSerializer.Serialize(_model.Config),
                ["options"] = JsonSerializer.Serialize(_o with { MaxTime = TimeSpan.Zero, CheckpointEvery = TimeSpan.Zero }),
            });
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> (strict: every weight present with its shape);
    /// the optimizer moments restart and the learning rate warms up again.</summary>
    public void LoadCheckpoint(string path)
    {
        using (var file = SafetensorsFile.Open(path))
        {
            var meta = file.Metadata;
            Step = int.Parse(meta["step"], CultureInfo.InvariantCulture);
            WallSeconds = double.Parse(meta["wall_s"], CultureInfo.InvariantCulture);
            CpuSeconds = double.Parse(meta["cpu_s"], CultureInfo.InvariantCulture);
            LossEma = double.Parse(meta["loss_ema"], CultureInfo.InvariantCulture);
        }
        WeightLoader.LoadInto(_model, [path]);
        _opt.RestartMoments();
        _resumeStep = Step;
    }

    public void Dispose() => _opt.Dispose();
}
