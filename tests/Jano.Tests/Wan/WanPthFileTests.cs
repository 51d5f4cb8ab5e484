using Jano.Core.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>PthFile against fixtures written by scripts/fixtures/make_pth_fixtures.py with torch.save.</summary>
public sealed class WanPthFileTests
{
    private static string PathOf(string file) =>
        Path.Combine(Path.GetDirectoryName(WanFixtures.Directory)!, "pth", file);

    private static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }

    [Fact]
    public void Plain_checkpoint_lists_and_round_trips_every_tensor()
    {
        using var pth = PthFile.Open(PathOf("plain.pth"));
        using var expected = SafetensorsFile.Open(PathOf("plain-values.safetensors"));
        Assert.Equal(expected.Entries.Select(e => e.Name).Order(), pth.Entries.Select(e => e.Name).Order());
        foreach (var e in expected.Entries)
        {
            var entry = pth.Entries.Single(x => x.Name == e.Name);
            Assert.Equal(e.DType, entry.DType);
            Assert.Equal(e.Shape, entry.Shape);
            using var want = expected.Read(e.Name);
            using var got = pth.Read(e.Name);
            Assert.Equal(want.dtype, got.dtype);
            Assert.Equal(want.shape, got.shape);
            Assert.True(got.is_contiguous());
            Assert.True(Same(want, got), $"{e.Name} differs");
        }
        Assert.Equal(10L * 4, pth["view.rows"].Begin); // storage offset 10 floats
        Assert.Equal("BF16", pth["bf16"].DType);
    }

    [Fact]
    public void Nested_state_dict_is_unwrapped_and_loads_into_a_module()
    {
        using var pth = PthFile.Open(PathOf("nested.pth"));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], pth.Entries.Select(e => e.Name));
        var module = nn.Sequential(("0", nn.Linear(3, 4)), ("1", nn.LayerNorm(4)));
        var report = WeightLoader.LoadInto(module, [PathOf("nested.pth")]);
        Assert.Equal(4, report.Tensors);
        using var expected = SafetensorsFile.Open(PathOf("nested-values.safetensors"));
        foreach (var (key, value) in module.state_dict())
        {
            using var want = expected.Read(key);
            Assert.True(Same(want, value), key);
        }
    }

    [Fact]
    public void ReadInto_converts_dtype_and_checks_shape()
    {
        using var pth = PthFile.Open(PathOf("plain.pth"));
        using var dst = torch.zeros(2, 3, ScalarType.Float32);
        pth.ReadInto("f16", dst);
        using var src = pth.Read("f16");
        using var f = src.to(ScalarType.Float32);
        Assert.True(Same(f, dst));
        using var wrong = torch.zeros(3, 2);
        var e = Assert.Throws<WeightFileException>(() => pth.ReadInto("f16", wrong));
        Assert.Contains("'f16' has shape [2, 3]", e.Message);
    }

    [Fact]
    public void Malicious_pickle_is_refused_with_one_line_naming_the_global()
    {
        string marker = "/tmp/jano-pth-pwned";
        File.Delete(marker);
        var path = PathOf("malicious.pth");
        var e = Assert.Throws<WeightFileException>(() => PthFile.Open(path));
        Assert.Equal($"{path}: refusing pickle global 'posix.system'", e.Message);
        Assert.False(File.Exists(marker));
        var viaLoader = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(nn.Linear(2, 2), [path]));
        Assert.Contains("refusing pickle global", viaLoader.Message);
    }

    [Fact]
    public void Storage_load_from_bytes_is_refused()
    {
        var path = PathOf("load-from-bytes.pth");
        var e = Assert.Throws<WeightFileException>(() => PthFile.Open(path));
        Assert.Equal($"{path}: refusing pickle global 'torch.storage._load_from_bytes'", e.Message);
    }

    [Fact]
    public void Truncated_zip_is_one_line_error()
    {
        var path = PathOf("truncated.pth");
        var e = Assert.Throws<WeightFileException>(() => PthFile.Open(path));
        Assert.StartsWith($"{path}: not a readable zip archive", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Legacy_and_non_zip_files_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("jano-pth-");
        try
        {
            var legacy = Path.Combine(dir.FullName, "legacy.pth");
            File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a]);
            Assert.Contains("legacy (non-zip)", Assert.Throws<WeightFileException>(() => PthFile.Open(legacy)).Message);
            var junk = Path.Combine(dir.FullName, "junk.pth");
            File.WriteAllText(junk, "hello");
            Assert.Contains("not a PyTorch zip checkpoint", Assert.Throws<WeightFileException>(() => PthFile.Open(junk)).Message);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
