using Jano.Core.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Training.Classifier;

/// <summary>
/// A small CNN for 32x32 grey frames in [-1, 1] ([N, 1, 32, 32]): three 3x3 convolutions (1→32→64→64, GELU, 2x2 max
/// pooling after each), a linear layer to a <see cref="FeatureDim"/>-d feature (GELU), and a linear layer to
/// <see cref="Classes"/> logits. The feature is the space in which evaluation measures Fréchet distances.
/// </summary>
public sealed class FrameClassifier : nn.Module<Tensor, Tensor>
{
    /// <summary>Frame side in pixels.</summary>
    public const int Side = 32;

    /// <summary>Length of the feature vector returned by <see cref="Features"/>.</summary>
    public const int FeatureDim = 64;

    /// <summary>Number of classes (Fashion-MNIST).</summary>
    public const int Classes = 10;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Conv2d conv3;
    private readonly Linear feature;
    private readonly Linear head;

    /// <summary>Builds the network with libtorch's default initialisation; seed the global generator
    /// (<c>torch.manual_seed</c>) before for reproducible weights, or load weights with <see cref="Load"/>.</summary>
    public FrameClassifier() : base(nameof(FrameClassifier))
    {
        conv1 = nn.Conv2d(1, 32, 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, 3, padding: 1);
        conv3 = nn.Conv2d(64, 64, 3, padding: 1);
        feature = nn.Linear(64 * 4 * 4, FeatureDim);
        head = nn.Linear(FeatureDim, Classes);
        RegisterComponents();
    }

    /// <summary>Feature vectors [N, 64] of frames [N, 1, 32, 32] (values expected in [-1, 1]).</summary>
    /// <exception cref="ArgumentException">The input is not [N, 1, 32, 32].</exception>
    public Tensor Features(Tensor x)
    {
        CheckInput(x);
        using var scope = NewDisposeScope();
        var h = nn.functional.max_pool2d(nn.functional.gelu(conv1.forward(x)), 2);
        h = nn.functional.max_pool2d(nn.functional.gelu(conv2.forward(h)), 2);
        h = nn.functional.max_pool2d(nn.functional.gelu(conv3.forward(h)), 2);
        var f = nn.functional.gelu(feature.forward(h.flatten(1)));
        return f.MoveToOuterDisposeScope();
    }

    /// <summary>Class logits [N, 10] of frames [N, 1, 32, 32].</summary>
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
    /// Classifies <paramref name="count"/> frames stored row-major in <paramref name="frames"/> (1024 floats each),
    /// in batches of <paramref name="batch"/>, without gradients. The model should be in eval mode.
    /// </summary>
    /// <exception cref="ArgumentException">The span is shorter than <c>count * 1024</c> or batch &lt; 1.</exception>
    public FrameClassification Classify(ReadOnlySpan<float> frames, int count, int batch = 256)
    {
        const int plane = Side * Side;
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
            var x = torch.tensor(frames.Slice(start * plane, n * plane).ToArray(), [n, 1, Side, Side]);
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
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) => WeightLoader.Save(this, path, metadata);

    /// <summary>Loads a classifier saved by <see cref="Save"/> and puts it in eval mode.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightFileException">The file does not hold this network's weights.</exception>
    public static FrameClassifier Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"classifier weights not found: {path}", path);
        var model = new FrameClassifier();
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

    private static void CheckInput(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != 1 || x.shape[2] != Side || x.shape[3] != Side)
            throw new ArgumentException($"expected frames [N, 1, {Side}, {Side}], got [{string.Join(", ", x.shape)}]");
    }
}
