using Jano.Core.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Weights;

public class WeightsWriterAtomicityTests
{
    [Fact]
    public void FailureWhileStreamingLeavesNoFileAndNoTempFile()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("w.safetensors");
        // The header is fine (a meta tensor has shape and dtype), but its data cannot be copied out,
        // so the writer fails after streaming the first tensor.
        using var good = torch.ones(1024);
        using var meta = torch.empty(new long[] { 3 }, ScalarType.Float32, device: torch.META);
        var ex = Assert.ThrowsAny<Exception>(() => SafetensorsWriter.Save(path, [new("good", good), new("meta", meta)]));
        Assert.IsNotType<ArgumentException>(ex); // not an up-front validation error: it failed mid-stream
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void FailureKeepsAnExistingFileIntact()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("w.safetensors");
        using var first = torch.arange(5, dtype: ScalarType.Int64);
        SafetensorsWriter.Save(path, [new("first", first)]);
        var original = File.ReadAllBytes(path);

        using var meta = torch.empty(new long[] { 3 }, ScalarType.Float32, device: torch.META);
        Assert.ThrowsAny<Exception>(() => SafetensorsWriter.Save(path, [new("first", first), new("meta", meta)]));
        Assert.Equal(new[] { "w.safetensors" }, dir.Names());
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public void UnsupportedDTypeIsRejectedBeforeWriting()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("c.safetensors");
        using var complex = torch.zeros(2, dtype: ScalarType.ComplexFloat32);
        var ex = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("c", complex)]));
        Assert.Contains("'c'", ex.Message);
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void DuplicateAndReservedNamesAreRejected()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("d.safetensors");
        using var t = torch.ones(2);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("a", t), new("a", t)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("__metadata__", t)]));
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void ChunkedStreamingCoversTheTensorInOrder()
    {
        using var t = torch.arange(10, dtype: ScalarType.Float64); // 80 bytes
        var whole = WeightsBytes.Of(t);
        var pieces = new List<byte[]>();
        Jano.Core.Weights.TensorBytes.ForEachChunk(t, span => pieces.Add(span.ToArray()), chunkBytes: 24);
        Assert.Equal(new[] { 24, 24, 24, 8 }, pieces.Select(p => p.Length));
        Assert.Equal(whole, pieces.SelectMany(p => p));

        using var empty = torch.empty(0);
        int calls = 0;
        Jano.Core.Weights.TensorBytes.ForEachChunk(empty, _ => calls++);
        Assert.Equal(0, calls);
    }

    [Fact]
    public void NonContiguousAndGradTensorsAreWrittenByValue()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("nc.safetensors");
        using var m = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var t = m.t();                       // non-contiguous view
        using var g = torch.ones(2, requires_grad: true);
        SafetensorsWriter.Save(path, [new("t", t), new("g", g)]);
        using var file = SafetensorsFile.Open(path);
        using var read = file.Read("t");
        Assert.Equal(new long[] { 3, 2 }, read.shape);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, read.data<float>().ToArray());
        using var rg = file.Read("g");
        Assert.False(rg.requires_grad);
        Assert.Equal(new float[] { 1, 1 }, rg.data<float>().ToArray());
    }
}
