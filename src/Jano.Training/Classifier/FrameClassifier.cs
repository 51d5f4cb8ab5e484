using Jano.Core.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Training.Classifier;

/// <summary>
/// A small CNN for square frames in [-1, 1] ([N, C, S, S]; 32x32 grey for the Fashion-MNIST models, 64x64 RGB for the
/// scenes model): three convolutions with GELU and 2x2 max pooling after each, then a linear layer to a
/// <see cref="FeatureDim"/>-d feature (GELU), and a linear layer to <see cref="Classes"/> logits. The feature is the
/// space in which evaluation measures Fréchet distances. Up to 32x32: 3x3 convolutions C→32→64→64. Larger frames (a
/// multiple of 32): a 5x5 convolution C→32 with stride S/32 (to 32x32), then 3x3 convolutions 32→64→128.
/// The opt-in <see cref="Deep"/> variant group-normalises every convolution and adds a residual 3x3 convolution to the
/// first two stages (<c>conv1b</c>, <c>conv2b</c>): about 2.5x the compute at 64x64 (on the scenes frames it scored
/// as the plain one, docs/scenes-video.md). Saved files record the variant (metadata <c>arch</c>).
/// </summary>
public sealed class FrameClassifier : nn.Module<Tensor, Tensor>
{
    /// <summary>Frame side of the Fashion-MNIST models' classifiers.</summary>
    public const int DefaultSide = 32;

    /// <summary>Length of the feature vector returned by <see cref="Features"/>.</summary>
    public const int FeatureDim = 64;

    /// <summary>Number of classes (Fashion-MNIST).</summary>
    public const int Classes = 10;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Conv2d conv3;
    private readonly Conv2d? conv1b;
    private readonly Conv2d? conv2b;
    private readonly GroupNorm? norm1;
    private readonly GroupNorm? norm1b;
    private readonly GroupNorm? norm2;
    private readonly GroupNorm? norm2b;
    private readonly GroupNorm? norm3;
    private readonly Linear feature;
    private readonly Linear head;

    /// <summary>Builds the network with libtorch's default initialisation; seed the global generator
    /// (<c>torch.manual_seed</c>) before for reproducible weights, or load weights with <see cref="Load"/>.</summary>
    /// <param name="channels">Frame channels (1 grey, 3 RGB).</param>
    /// <param name="side">Frame side in pixels: 8, 16, 24, 32 or a multiple of 32.</param>
    /// <param name="deep">The deeper, group-normalised variant.</param>
    public FrameClassifier(int channels = 1, int side = DefaultSide, bool deep = false) : base(nameof(FrameClassifier))
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be positive");
        if (!IsSupportedSide(side)) throw new ArgumentOutOfRangeException(nameof(side), side, "side must be 8, 16, 24, 32 or a multiple of 32");
        Channels = channels;
        Side = side;
        int stride = InputStride(side), top = stride > 1 ? 128 : 64, reduced = side / stride;
        conv1 = stride > 1 ? nn.Conv2d(channels, 32, 5, stride: stride, padding: 2) : nn.Conv2d(channels, 32, 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, 3, padding: 1);
        conv3 = nn.Conv2d(64, top, 3, padding: 1);
        Deep = deep;
        if (deep)
        {
            conv1b = nn.Conv2d(32, 32, 3, padding: 1);
            conv2b = nn.Conv2d(64, 64, 3, padding: 1);
            norm1 = nn.GroupNorm(8, 32);
            norm1b = nn.GroupNorm(8, 32);
            norm2 = nn.GroupNorm(8, 64);
            norm2b = nn.GroupNorm(8, 64);
            norm3 = nn.GroupNorm(8, top);
            // TorchSharp 0.107 leaves a GroupNorm's affine parameters uninitialised: set the identity transform.
            using var noGrad = torch.no_grad();
            using var one = 1.0f.ToScalar();
            foreach (var norm in new[] { norm1, norm1b, norm2, norm2b, norm3 })
            {
                norm.weight!.fill_(one);
                norm.bias!.zero_();
            }
        }
        feature = nn.Linear(top * (reduced / 8) * (reduced / 8), FeatureDim);
        head = nn.Linear(FeatureDim, Classes);
        RegisterComponents();
    }

    /// <summary>Frame channels.</summary>
    public int Channels { get; }

    /// <summary>True for the deeper, group-normalised variant.</summary>
    public bool Deep { get; }

    /// <summary>Frame side in pixels.</summary>
    public int Side { get; }

    /// <summary>Floats per frame (C·S·S).</summary>
    public int Plane => Channels * Side * Side;

    /// <summary>Feature vectors [N, 64] of frames [N, C, S, S] (values expected in [-1, 1]).</summary>
    /// <exception cref="ArgumentException">The input is not [N, 1, 32, 32].</exception>
    public Tensor Features(Tensor x)
    {
        CheckInput(x);
        using var scope = NewDisposeScope();
        var h = Stage(x, conv1, norm1, conv1b, norm1b);                               // [N, 32, 16, 16] (S ≥ 32)
        h = Stage(h, conv2, norm2, conv2b, norm2b);                                   // [N, 64, 8, 8]
        h = Stage(h, conv3, norm3, null, null);                                       // [N, 64 | 128, 4, 4]
        var f = nn.functional.gelu(feature.forward(h.flatten(1)));
        return f.MoveToOuterDisposeScope();
    }

    // gelu(norm(conv(x))), plus gelu(norm_b(conv_b(·))) as a residual when the stage has one, then 2x2 max pooling.
    private static Tensor Stage(Tensor x, Conv2d conv, GroupNorm? norm, Conv2d? convB, GroupNorm? normB)
    {
        var h = conv.forward(x);
        h = nn.functional.gelu(norm is null ? h : norm.forward(h));
        if (convB is not null) h = h.add(nn.functional.gelu(normB!.forward(convB.forward(h))));
        return nn.functional.max_pool2d(h, 2);
    }

    /// <summary>Class logits [N, 10] of frames [N, C, S, S].</summary>
    public Tensor Logits(Tensor x)
    {
        using var f = Features(x);
        return head.forward(f);
    }

    /// <summary>Logits of features already computed by <see cref="Features"/> ([N, 64] → [N, 10]).</summary>
    public Tensor LogitsOfFeatures(Tensor features) => head.forward(features);

    /// <summary>Same as <see cref="Logits"/>.</summary>
    public override Tensor forward(Tensor x) => Logits(x);

    /// <summary>
    /// Classifies <paramref name="count"/> frames stored row-major in <paramref name="frames"/> (<see cref="Plane"/> floats each),
    /// in batches of <paramref name="batch"/>, without gradients. The model should be in eval mode.
    /// </summary>
    /// <exception cref="ArgumentException">The span is shorter than <c>count * Plane</c> or batch &lt; 1.</exception>
    public FrameClassification Classify(ReadOnlySpan<float> frames, int count, int batch = 256)
    {
        int plane = Plane;
        if (count < 0 || frames.Length < (long)count * plane)
            throw new ArgumentException($"{count} frames need {(long)count * plane} floats, got {frames.Length}");
        if (batch < 1) throw new ArgumentException($"batch ({batch}) must be at least 1");
        var predicted = new int[count];
        var features = new float[(long)count * FeatureDim];
        using var noGrad = torch.no_grad();
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            using var scope = NewDisposeScope();
            var x = torch.tensor(frames.Slice(start * plane, n * plane).ToArray(), [n, Channels, Side, Side]);
            // A batch of one would take libtorch's NNPACK convolution path, which logs a warning per call on CPUs it
            // does not support; a duplicated frame keeps the oneDNN path. Only the first n rows are read back.
            if (n == 1) x = x.expand(2, -1, -1, -1).contiguous();
            var f = Features(x).narrow(0, 0, n);
            var labels = LogitsOfFeatures(f).argmax(1).to(ScalarType.Int32);
            labels.data<int>().CopyTo(predicted.AsSpan(start, n));
            f.contiguous().data<float>().CopyTo(features.AsSpan(start * FeatureDim, n * FeatureDim));
        }
        return new FrameClassification(predicted, features, FeatureDim);
    }

    /// <summary>Writes the weights as safetensors (atomically) with optional string metadata.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["channels"] = Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["side"] = Side.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["arch"] = Deep ? "deep" : "plain",
        };
        WeightLoader.Save(this, path, meta);
    }

    /// <summary>Loads a classifier saved by <see cref="Save"/> (its frame shape read from the <c>channels</c> and
    /// <c>side</c> metadata, 1 and 32 when absent; the variant from <c>arch</c>, plain when absent) and puts it in eval mode.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightFileException">The file does not hold this network's weights.</exception>
    public static FrameClassifier Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"classifier weights not found: {path}", path);
        int channels, side;
        string arch;
        using (var file = SafetensorsFile.Open(path))
        {
            channels = MetaInt(file.Metadata, "channels", 1, path);
            side = MetaInt(file.Metadata, "side", DefaultSide, path);
            arch = file.Metadata.TryGetValue("arch", out var a) ? a : "plain";
        }
        if (channels is < 1 or > 4 || side > 512 || !IsSupportedSide(side))
            throw new WeightFileException($"{path}: classifier frame shape {channels}x{side}x{side} is not supported");
        if (arch is not ("plain" or "deep"))
            throw new WeightFileException($"{path}: classifier variant '{arch}' is not known (plain or deep)");
        var model = new FrameClassifier(channels, side, arch == "deep");
        try
        {
            WeightLoader.LoadInto(model, [path]);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static bool IsSupportedSide(int side) => side is 8 or 16 or 24 or 32 || (side > 32 && side % 32 == 0);

    // Stride of the first convolution that brings a frame to 32x32 (1 for 32 and smaller).
    private static int InputStride(int side) => side > DefaultSide ? side / DefaultSide : 1;

    private static int MetaInt(IReadOnlyDictionary<string, string> meta, string key, int fallback, string path)
    {
        if (!meta.TryGetValue(key, out var text)) return fallback;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new WeightFileException($"{path}: metadata '{key}' is not a number");
    }

    private void CheckInput(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Channels || x.shape[2] != Side || x.shape[3] != Side)
            throw new ArgumentException($"expected frames [N, {Channels}, {Side}, {Side}], got [{string.Join(", ", x.shape)}]");
    }
}
