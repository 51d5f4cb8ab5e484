using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Core.Weights;
using Jano.Models.Dit;
using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Training;

/// <summary>
/// Rectified-flow training of a <see cref="DitModel"/>: x_σ = (1 − σ)·x0 + σ·ε with σ ~ logit-normal(0, 1),
/// target velocity ε − x0, MSE loss; AdamW (decoupled weight decay, bias correction) with linear warm-up, gradient
/// clipping, EMA weights, label dropout to the null class. Checkpoints (weights, EMA, optimizer moments, step) are one
/// safetensors file written atomically, so training resumes exactly where it stopped. Compact checkpoints
/// (<see cref="TrainOptions.CompactCheckpoints"/>: weights, EMA, step, no moments) are half the size; resuming from one
/// starts fresh moments (bias correction restarted) under a linear learning-rate warm-up of
/// <see cref="TrainOptions.ResumeWarmupSteps"/> steps. With a frame source and
/// <see cref="TrainOptions.FrameStepsPerClipStep"/> &gt; 0, steps alternate between clips and batches of single frames
/// (joint image-video training), fixed by the step number so that a resume continues the same pattern.
/// </summary>
public sealed class FlowTrainer : IDisposable
{
    private readonly DitModel _model;
    private readonly ISampleSource _source;
    private readonly ISampleSource? _frames;
    private readonly TrainOptions _o;
    private readonly List<(string Name, Tensor Param, Tensor M, Tensor V, Tensor Ema, bool Decay)> _state = new();
    private int _momentOrigin;      // step at which the moments were (re)started
    private int _resumeStep = -1;   // step of the last compact resume (-1: none), start of the resume warm-up

    /// <param name="frames">Single-frame samples ([C, 1, H, W]) for the frame steps of joint training; required when
    /// <see cref="TrainOptions.FrameStepsPerClipStep"/> is positive.</param>
    public FlowTrainer(DitModel model, ISampleSource source, TrainOptions options, ISampleSource? frames = null)
    {
        options.Validate();
        if (options.FrameStepsPerClipStep > 0)
        {
            if (frames is null) throw new ArgumentException("joint training (frame steps per clip step > 0) needs a frame source", nameof(frames));
            if (frames.Shape.Length != 4 || frames.Shape[1] != 1 || frames.Shape[0] != source.Shape[0])
                throw new ArgumentException($"the frame source's shape [{string.Join(", ", frames.Shape)}] is not one frame of [{string.Join(", ", source.Shape)}]", nameof(frames));
        }
        _model = model;
        _source = source;
        _frames = frames;
        _o = options;
        using var _ = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            var m = torch.zeros_like(p);
            var v = torch.zeros_like(p);
            var ema = p.detach().clone();
            bool decay = p.dim() >= 2 && !name.Contains("modulation") && !name.Contains("embedding.weight");
            _state.Add((name, p, m, v, ema, decay));
        }
    }

    /// <summary>Optimizer steps taken so far (across resumes).</summary>
    public int Step { get; private set; }

    /// <summary>Steps of this process whose gradient was not finite (no update was made; the step still counts).</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Smoothed loss of the clip steps (every step without joint training).</summary>
    public double LossEma { get; private set; } = double.NaN;

    /// <summary>Smoothed loss of the frame steps of joint training in this process (NaN before the first).</summary>
    public double FrameLossEma { get; private set; } = double.NaN;

    /// <summary>Whether step <paramref name="step"/> (0-based) trains on single frames rather than clips.</summary>
    public bool IsFrameStep(int step) => _o.FrameStepsPerClipStep > 0 && step % (_o.FrameStepsPerClipStep + 1) != 0;

    public double ElapsedSeconds { get; private set; }

    /// <summary>Wall-clock seconds inside <see cref="Train"/> (across resumes of compact checkpoints).</summary>
    public double WallSeconds { get; private set; }

    /// <summary>Process CPU seconds (all threads) inside <see cref="Train"/> (across resumes of compact checkpoints).</summary>
    public double CpuSeconds { get; private set; }

    /// <summary>Trains until <see cref="TrainOptions.MaxSteps"/> or <see cref="TrainOptions.MaxTime"/>, checkpointing to
    /// <paramref name="checkpointPath"/> periodically and at the end. Returns the steps run in this call.</summary>
    public int Train(string checkpointPath, Action<TrainProgress>? log = null, CancellationToken cancel = default)
    {
        var wall = Stopwatch.StartNew();
        var sinceCheckpoint = Stopwatch.StartNew();
        double wallBase = WallSeconds, cpuBase = CpuSeconds;
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        int ran = 0;
        _model.train();
        var clips = new Batch(_source, _o.BatchSize);
        var frames = _o.FrameStepsPerClipStep > 0 ? new Batch(_frames!, _o.FrameBatchSize) : null;   // the constructor checked _frames
        while (Step < _o.MaxSteps && wall.Elapsed < _o.MaxTime && !cancel.IsCancellationRequested)
        {
            var stepWatch = Stopwatch.StartNew();
            var rng = new Random(StepSeed.For(_o.Seed, Step));
            bool frameStep = IsFrameStep(Step);
            var batch = frameStep ? frames! : clips;
            for (int b = 0; b < batch.Labels.Length; b++)
            {
                int label = batch.Source.NextSample(rng, batch.Data.AsSpan((int)(b * batch.PerSample), (int)batch.PerSample));
                batch.Labels[b] = rng.NextDouble() < _o.LabelDropout ? _model.NullClass : label;
            }
            double loss = TrainStep(batch.Data, batch.Labels, batch.Source.Shape, rng.Next());
            Step++;
            ran++;
            if (double.IsFinite(loss))
            {
                if (frameStep) FrameLossEma = Smooth(FrameLossEma, loss);
                else LossEma = Smooth(LossEma, loss);
            }
            ElapsedSeconds += stepWatch.Elapsed.TotalSeconds;
            WallSeconds = wallBase + wall.Elapsed.TotalSeconds;
            CpuSeconds = cpuBase + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
            log?.Invoke(new TrainProgress(Step, loss, LossEma, LearningRate(Step - 1), stepWatch.Elapsed.TotalSeconds, WallSeconds, CpuSeconds,
                frameStep, FrameLossEma));
            if (sinceCheckpoint.Elapsed >= _o.CheckpointEvery)
            {
                Save(checkpointPath);
                sinceCheckpoint.Restart();
            }
        }
        WallSeconds = wallBase + wall.Elapsed.TotalSeconds;
        CpuSeconds = cpuBase + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        Save(checkpointPath);
        _model.eval();
        return ran;
    }

    private static double Smooth(double ema, double loss) => double.IsNaN(ema) ? loss : 0.98 * ema + 0.02 * loss;

    // One step's samples: a source, its flat buffer [B, C·T·H·W] and labels.
    private sealed class Batch
    {
        public Batch(ISampleSource source, int size)
        {
            Source = source;
            PerSample = source.Shape.Aggregate(1L, (a, b) => a * b);
            Data = new float[size * PerSample];
            Labels = new long[size];
        }

        public ISampleSource Source { get; }
        public long PerSample { get; }
        public float[] Data { get; }
        public long[] Labels { get; }
    }

    /// <summary>EMA decay at optimizer step t (1-based): min(decay, (1 + t) / (10 + t)), so early EMA weights are not
    /// dominated by the initialisation.</summary>
    public double EmaDecayAt(int t) => Math.Min(_o.EmaDecay, (1.0 + t) / (10.0 + t));

    /// <summary>Learning rate of the update that step <paramref name="step"/> (0-based) makes: the warm-up from step 0, times the
    /// resume warm-up after a compact resume, times the final linear decay when <see cref="TrainOptions.DecaySteps"/> is set.</summary>
    public double LearningRate(int step)
    {
        double lr = _o.LearningRate * Math.Min(1.0, (step + 1.0) / Math.Max(1, _o.WarmupSteps));
        if (_resumeStep >= 0) lr *= Math.Min(1.0, (step - _resumeStep + 1.0) / Math.Max(1, _o.ResumeWarmupSteps));
        if (_o.DecaySteps > 0) lr *= Math.Clamp((_o.MaxSteps - (double)step) / _o.DecaySteps, 0.0, 1.0);
        return lr;
    }

    private void Save(string path)
    {
        if (_o.CompactCheckpoints) SaveCompact(path);
        else SaveCheckpoint(path);
    }

    private double TrainStep(float[] data, long[] labels, long[] shape, int noiseSeed)
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator((ulong)(uint)noiseSeed);
        long b = labels.Length;
        var x0 = torch.tensor(data, [b, .. shape]).to(_model.Device);                      // [B, C, T, H, W]
        var noise = torch.randn(x0.shape, generator: gen).to(_model.Device);
        var sigma = torch.sigmoid(torch.randn([b], generator: gen)).to(_model.Device);    // [B]
        var s = sigma.view(b, 1, 1, 1, 1);
        var xt = x0.mul(s.neg().add(1)).Plus(noise.mul(s));
        var target = noise.sub(x0);
        var y = torch.tensor(labels).to(_model.Device);
        var pred = _model.Forward(xt, sigma.mul(1000), y, NullHooks.Instance).to(ScalarType.Float32);
        var loss = pred.sub(target).square().mean();
        foreach (var st in _state) st.Param.grad?.zero_();
        loss.backward();
        double lossValue = loss.item<float>();
        using (torch.no_grad())
        {
            int t = Step + 1, tm = Step - _momentOrigin + 1;
            double lr = LearningRate(Step);
            double norm = Math.Sqrt(_state.Sum(st => st.Param.grad is null ? 0 : st.Param.grad.square().sum().item<float>()));
            if (!double.IsFinite(norm))
            {
                // a non-finite gradient makes no update: weights, moments and EMA stay as they are
                SkippedSteps++;
                return lossValue;
            }
            double clip = norm > _o.GradClip ? _o.GradClip / (norm + 1e-6) : 1.0;
            double bc1 = 1 - Math.Pow(_o.Beta1, tm), bc2 = 1 - Math.Pow(_o.Beta2, tm);
            double emaDecay = EmaDecayAt(t);
            foreach (var (_, p, m, v, ema, decay) in _state)
            {
                var g = p.grad;
                if (g is null) continue;
                if (clip != 1.0) g.mul_(clip);
                m.mul_(_o.Beta1).add_(g, alpha: 1 - _o.Beta1);
                v.mul_(_o.Beta2).addcmul_(g, g, value: 1 - _o.Beta2);
                if (decay) p.mul_(1 - lr * _o.WeightDecay);
                var denom = v.div(bc2).sqrt_().add_(1e-8);
                p.addcdiv_(m, denom, value: -lr / bc1);
                ema.mul_(emaDecay).add_(p, alpha: 1 - emaDecay);
            }
        }
        return lossValue;
    }

    /// <summary>Writes weights, EMA weights, optimizer moments and the step counter atomically.</summary>
    public void SaveCheckpoint(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, p, m, v, ema, _) in _state)
        {
            tensors.Add(new("model." + name, p.detach()));
            tensors.Add(new("ema." + name, ema));
            tensors.Add(new("adam_m." + name, m));
            tensors.Add(new("adam_v." + name, v));
        }
        SafetensorsWriter.Save(path, tensors, new Dictionary<string, string>
        {
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["elapsed_s"] = ElapsedSeconds.ToString("R", CultureInfo.InvariantCulture),
            ["loss_ema"] = LossEma.ToString("R", CultureInfo.InvariantCulture),
            ["config"] = JsonSerializer.Serialize(_model.Config),
            ["options"] = JsonSerializer.Serialize(_o with { MaxTime = TimeSpan.Zero, CheckpointEvery = TimeSpan.Zero }),
        });
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> (strict: every tensor must be present).</summary>
    public void LoadCheckpoint(string path)
    {
        using var file = SafetensorsFile.Open(path);
        using var _ = torch.no_grad();
        foreach (var (name, p, m, v, ema, _) in _state)
        {
            file.ReadInto("model." + name, p);
            file.ReadInto("ema." + name, ema);
            file.ReadInto("adam_m." + name, m);
            file.ReadInto("adam_v." + name, v);
        }
        Step = int.Parse(file.Metadata["step"], CultureInfo.InvariantCulture);
        ElapsedSeconds = double.Parse(file.Metadata["elapsed_s"], CultureInfo.InvariantCulture);
        LossEma = double.Parse(file.Metadata["loss_ema"], CultureInfo.InvariantCulture);
    }

    /// <summary>Writes the compact checkpoint: weights, EMA weights, step and times, no optimizer moments.</summary>
    public void SaveCompact(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, p, _, _, ema, _) in _state)
        {
            tensors.Add(new("model." + name, p.detach()));
            tensors.Add(new("ema." + name, ema));
        }
        var metadata = ProgressMetadata();
        metadata["format"] = "compact";
        metadata["config"] = JsonSerializer.Serialize(_model.Config);
        metadata["options"] = JsonSerializer.Serialize(_o with { MaxTime = TimeSpan.Zero, CheckpointEvery = TimeSpan.Zero });
        SafetensorsWriter.Save(path, tensors, metadata);
    }

    /// <summary>Restores a compact checkpoint written by <see cref="SaveCompact"/> (strict): weights and EMA exactly, the
    /// step and times; the optimizer moments start at zero and the learning rate warms up again from this step.</summary>
    public void LoadCompact(string path)
    {
        using var file = SafetensorsFile.Open(path);
        using var _ = torch.no_grad();
        foreach (var (name, p, m, v, ema, _) in _state)
        {
            file.ReadInto("model." + name, p);
            file.ReadInto("ema." + name, ema);
            m.zero_();
            v.zero_();
        }
        RestoreProgress(file.Metadata, path, checkpoint: true);
    }

    /// <summary>Continues from exported weights (<see cref="ExportEma"/>'s file, what ships): they become both the weights
    /// and the EMA, the optimizer moments restart under the resume warm-up, and the step, times and loss EMA come from
    /// the file's metadata when it has them (from 0 otherwise). How a fresh clone resumes without a committed checkpoint.</summary>
    public void LoadExported(string path)
    {
        using var file = SafetensorsFile.Open(path);
        using var _ = torch.no_grad();
        foreach (var (name, p, m, v, ema, _) in _state)
        {
            file.ReadInto(name, p);
            ema.copy_(p);
            m.zero_();
            v.zero_();
        }
        RestoreProgress(file.Metadata, path, checkpoint: false);
    }

    // Step, times and loss EMA from a file's metadata (ProgressMetadata's keys), and the restart of the moments' count and
    // the resume warm-up there. A checkpoint must carry step, elapsed_s and loss_ema; exported weights may lack any key
    // (read as 0). A value that is not a non-negative number is refused, naming the file and the key.
    private void RestoreProgress(IReadOnlyDictionary<string, string> meta, string path, bool checkpoint)
    {
        double Value(string key, double? missing)
        {
            if (!meta.TryGetValue(key, out var text))
                return missing ?? throw new InvalidDataException($"{path}: its metadata has no '{key}'");
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0
                ? v
                : throw new InvalidDataException($"{path}: metadata '{key}' is not a non-negative number: {ErrorText.Quote(text)}");
        }
        double? required = checkpoint ? null : 0;
        double step = Value("step", required);
        if (step != Math.Floor(step) || step > int.MaxValue)
            throw new InvalidDataException($"{path}: metadata 'step' is not a step count: {ErrorText.Quote(meta["step"])}");
        Step = (int)step;
        if (checkpoint)
        {
            ElapsedSeconds = Value("elapsed_s", null);
            WallSeconds = Value("wall_s", ElapsedSeconds);
        }
        else
        {
            WallSeconds = Value("wall_s", 0);
            ElapsedSeconds = Value("elapsed_s", WallSeconds);
        }
        CpuSeconds = Value("cpu_s", 0);
        LossEma = Value("loss_ema", required);
        _momentOrigin = Step;
        _resumeStep = Step;
    }

    /// <summary>Step, times and loss EMA as metadata of an exported file, so that <see cref="LoadExported"/> can continue the
    /// count.</summary>
    public Dictionary<string, string> ProgressMetadata() => new()
    {
        ["step"] = Step.ToString(CultureInfo.InvariantCulture),
        ["elapsed_s"] = ElapsedSeconds.ToString("R", CultureInfo.InvariantCulture),
        ["wall_s"] = WallSeconds.ToString("R", CultureInfo.InvariantCulture),
        ["cpu_s"] = CpuSeconds.ToString("R", CultureInfo.InvariantCulture),
        ["loss_ema"] = LossEma.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Writes the EMA weights under the model's own state_dict keys (what ships).</summary>
    public void ExportEma(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        SafetensorsWriter.Save(path, _state.Select(s => new KeyValuePair<string, Tensor>(s.Name, s.Ema)), metadata);
    }

    /// <summary>Writes the raw (non-averaged) weights under the model's own state_dict keys.</summary>
    public void ExportModel(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        SafetensorsWriter.Save(path, _state.Select(s => new KeyValuePair<string, Tensor>(s.Name, s.Param.detach())), metadata);
    }

    /// <summary>Copies the EMA weights into the model (for sampling previews).</summary>
    public void ApplyEma()
    {
        using var _ = torch.no_grad();
        foreach (var s in _state) s.Param.copy_(s.Ema);
    }

    public void Dispose()
    {
        foreach (var s in _state)
        {
            s.M.Dispose();
            s.V.Dispose();
            s.Ema.Dispose();
        }
        _state.Clear();
    }
}
