using System.Text;
using System.Text.Json;
using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Models.Wan.TextEncoder;
using Jano.Tests.Wan;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Hostile;

/// <summary>Hostile Wan2.1 checkpoint folders and absurd requests on them, in-process through
/// <see cref="GenerateJob.Prepare"/> (every check runs before any compute): configs with impossible or mistyped sizes,
/// hostile or damaged T5/VAE/DiT files, sharded indexes that point outside the folder or hold non-strings, a text encoder
/// whose shapes imply an absurd vocabulary, sizes and frames far out of range, a request that would not fit in memory;
/// and damaged tokenizer models through <see cref="UmT5Tokenizer.Load(string, int, int)"/>.</summary>
[Collection(HostileSuite.Name)]
public sealed class HostileFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("jano-hostile-wan-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder => Path.Combine(_root, "wan");

    private string Out => Path.Combine(_root, "out");

    private string MakeFolder() => WanTinyFolder.Create(_root, "wan");

    private static void SetConfig(string dir, Func<string, string> change)
    {
        string path = Path.Combine(dir, InspectJob.ConfigFile);
        File.WriteAllText(path, change(File.ReadAllText(path)));
    }

    private static string WithField(string json, string field, string value)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node[field] = System.Text.Json.Nodes.JsonNode.Parse(value);
        return node.ToJsonString();
    }

    // A T5 checkpoint whose embedding says vocab 1,100,000 (dim 1): only the shapes the config is read from.
    private static void HugeVocabularyT5(string dir)
    {
        var p = new PickleWriter { MemoizeConstants = true }.Proto().Op('}').Mark();
        void T(string name, string key, long[] shape) => p.Str(name).Tensor(key, "FloatStorage", shape.Aggregate(1L, (a, b) => a * b), 0, shape, PickleWriter.Strides(shape));
        T("token_embedding.weight", "0", [1_100_000, 1]);
        T("blocks.0.attn.q.weight", "1", [2, 1]);
        T("blocks.0.ffn.fc1.weight", "2", [2, 1]);
        T("blocks.0.pos_embedding.embedding.weight", "3", [32, 2]);
        T("blocks.0.norm1.weight", "4", [1]);
        p.Op('u').Stop();
        File.WriteAllBytes(Path.Combine(dir, InspectJob.T5File), HostileFiles.Pth(p.ToArray(),
            [("0", new byte[4_400_000]), ("1", new byte[8]), ("2", new byte[8]), ("3", new byte[256]), ("4", new byte[4])]));
    }

    private static void WriteIndex(string dir, string json)
    {
        File.Move(Path.Combine(dir, InspectJob.DitFile), Path.Combine(dir, "diffusion_pytorch_model-00001-of-00001.safetensors"));
        File.WriteAllText(Path.Combine(dir, InspectJob.DitIndex), json);
    }

    /// <summary>(case, damage to the folder, options change, exception type, fragments the line must contain).</summary>
    public static readonly (string Name, Action<string> Damage, Func<GenerateOptions, GenerateOptions> Options, Type Error, string[] Expect)[] Cases =
    [
        ("config dim 1e9", d => SetConfig(d, j => WithField(j, "dim", "1e9")), o => o, typeof(InvalidDataException), ["config.json", "'dim' must be an integer"]),
        ("config dim 2^31-1", d => SetConfig(d, j => WithField(j, "dim", "2147483647")), o => o, typeof(InvalidDataException), ["config.json", "dim (2147483647) must be between 1 and 16384"]),
        ("config dim 2^31", d => SetConfig(d, j => WithField(j, "dim", "2147483648")), o => o, typeof(InvalidDataException), ["config.json", "'dim' must be an integer"]),
        ("config 100000 layers", d => SetConfig(d, j => WithField(j, "num_layers", "100000")), o => o, typeof(InvalidDataException), ["config.json", "num_layers (100000) must be between 1 and 1024"]),
        ("config text_len 10^6", d => SetConfig(d, j => WithField(j, "text_len", "1000000")), o => o, typeof(InvalidDataException), ["config.json", "text_len (1000000)"]),
        ("config dim a string", d => SetConfig(d, j => WithField(j, "dim", "\"1536\"")), o => o, typeof(InvalidDataException), ["config.json", "'dim' must be an integer"]),
        ("config patch of two", d => SetConfig(d, j => WithField(j, "patch_size", "[1,2]")), o => o, typeof(InvalidDataException), ["config.json", "patch_size must be three integers"]),
        ("config patch 2^40", d => SetConfig(d, j => WithField(j, "patch_size", "[1,2,1099511627776]")), o => o, typeof(InvalidDataException), ["config.json", "'patch_size' must be an array of integers"]),
        ("config negative eps", d => SetConfig(d, j => WithField(j, "eps", "-1")), o => o, typeof(InvalidDataException), ["config.json", "eps (-1) must be in (0, 1)"]),
        ("config an array", d => SetConfig(d, _ => "[1,2,3]"), o => o, typeof(InvalidDataException), ["config.json", "the config must be a JSON object"]),
        ("config not JSON", d => SetConfig(d, _ => "{\"dim\": 15"), o => o, typeof(InvalidDataException), ["config.json", "not valid JSON"]),
        ("config nested 100 deep", d => SetConfig(d, _ => "{\"x\":" + new string('[', 100) + new string(']', 100) + "}"), o => o, typeof(InvalidDataException), ["config.json", "not valid JSON"]),
        ("config not UTF-8", d => File.WriteAllBytes(Path.Combine(d, InspectJob.ConfigFile), [0x7b, 0xff, 0x7d]), o => o, typeof(InvalidDataException), ["config.json", "not valid UTF-8"]),
        ("config of 70 MB", d => { using var f = File.OpenWrite(Path.Combine(d, InspectJob.ConfigFile)); f.SetLength(70L << 20); }, o => o, typeof(InvalidDataException), ["config.json", "too large"]),
        ("config with ESC in a value", d => SetConfig(d, j => WithField(j, "dim", "\"\\u001b[2J\"")), o => o, typeof(InvalidDataException), ["config.json", "'dim' must be an integer"]),
        ("T5 with a hostile global", d => File.WriteAllBytes(Path.Combine(d, InspectJob.T5File), HostileFiles.Pth(new PickleWriter().Proto().Global("os", "system").Stop().ToArray(), [])),
            o => o, typeof(InvalidDataException), [InspectJob.T5File, "refusing pickle global 'os.system'"]),
        ("T5 truncated", d => File.WriteAllBytes(Path.Combine(d, InspectJob.T5File), File.ReadAllBytes(Path.Combine(d, InspectJob.T5File))[..300]),
            o => o, typeof(InvalidDataException), [InspectJob.T5File]),
        ("T5 with a vocabulary of 1.1 million", HugeVocabularyT5, o => o, typeof(InvalidDataException), [InspectJob.T5File, "vocab (1100000) must be between 1 and 1048576"]),
        ("VAE with a hostile global", d => File.WriteAllBytes(Path.Combine(d, InspectJob.VaeFile), HostileFiles.Pth(new PickleWriter().Proto().Str("posix").Str("system").Op(0x93).Stop().ToArray(), [])),
            o => o, typeof(InvalidDataException), [InspectJob.VaeFile, "refusing pickle global 'posix.system'"]),
        ("DiT header damaged", d => { var b = File.ReadAllBytes(Path.Combine(d, InspectJob.DitFile)); b[8] = (byte)'!'; File.WriteAllBytes(Path.Combine(d, InspectJob.DitFile), b); },
            o => o, typeof(InvalidDataException), ["diffusion_pytorch_model", "not valid JSON"]),
        ("index value a number", d => WriteIndex(d, "{\"weight_map\":{\"blocks.0.x\":7}}"), o => o, typeof(InvalidDataException), [InspectJob.DitIndex, "is a JSON number, not a shard file name"]),
        ("index shard outside the folder", d => WriteIndex(d, "{\"weight_map\":{\"a\":\"../../../etc/passwd\"}}"), o => o, typeof(InvalidDataException), [InspectJob.DitIndex, "'../../../etc/passwd'", "not a plain file name"]),
        ("index not JSON", d => WriteIndex(d, "{weight_map"), o => o, typeof(InvalidDataException), [InspectJob.DitIndex, "not valid JSON"]),
        ("index without weight_map", d => WriteIndex(d, "{\"metadata\":{}}"), o => o, typeof(InvalidDataException), [InspectJob.DitIndex, "no weight_map object"]),
        ("size 100000x100000", _ => { }, o => o with { Size = (100_000, 100_000) }, typeof(UsageException), ["--size 100000x100000", "between 1 and 8192"]),
        ("frames 10^6", _ => { }, o => o with { Frames = 1_000_001 }, typeof(UsageException), ["--frames (1000001) must be between 1 and 4096"]),
        ("steps 10^9", _ => { }, o => o with { Steps = 1_000_000_000 }, typeof(UsageException), ["--steps (1000000000) must be between 1 and 10000"]),
        ("8192x8192, 4093 frames: more memory than the machine", _ => { }, o => o with { Size = (8192, 8192), Frames = 4093 }, typeof(UsageException), ["would need about", "GiB of memory", "--max-memory"]),
        ("a small run under a 1 MiB --max-memory", _ => { }, o => o with { MaxMemoryGiB = 1.0 / 1024 }, typeof(UsageException), ["more than the --max-memory 0.0 GiB"]),
        ("prompt of 30000 characters", _ => { }, o => o with { Prompt = new string('a', 30_000) }, typeof(UsageException), ["--prompt is 30000 characters long; at most 20000"]),
        ("prompt with invalid UTF-8", _ => { }, o => o with { Prompt = "a fox \uFFFD" }, typeof(UsageException), ["--prompt is not valid UTF-8"]),
        ("prompt with an unpaired surrogate", _ => { }, o => o with { Prompt = "a fox \uD800" }, typeof(UsageException), ["--prompt is not valid Unicode"]),
        ("analysis block 1024x1024x1024", _ => { }, o => o with { Steps = 12, Accel = "jano", AccelOptions = "analyze_block_size=1024x1024x1024" }, typeof(UsageException), ["analyze_block_size (1024x1024x1024) is far larger than the latent grid (2x4x4)"]),
        ("analysis block 2000x2x2", _ => { }, o => o with { Accel = "jano", AccelOptions = "analyze_block_size=2000x2x2" }, typeof(UsageException), ["analyze_block_size (2000x2x2) must have sides between 1 and 1024"]),
        ("warm-up + cool-down overflowing int", _ => { }, o => o with { Accel = "jano", AccelOptions = "warmup_steps=2147483647,cooldown_steps=1" }, typeof(UsageException), ["warmup_steps (2147483647) must be at most 10000"]),
    ];

    public static TheoryData<string> Names() => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_case_fails_before_compute_with_one_line_naming_the_input(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var dir = MakeFolder();
        c.Damage(dir);
        var options = c.Options(new GenerateOptions
        {
            Prompt = "a red fox runs", Model = dir, OutDir = Out, Steps = 2, Size = (32, 32), Frames = 5, Threads = 1,
        });
        var error = HostileBounds.Run(name, () =>
        {
            using var job = GenerateJob.Prepare(options, new ModelCatalog(Path.Combine(_root, "assets")));
        });
        Assert.True(error is not null && error.GetType() == c.Error, $"{name}: {error?.GetType().Name}: {error?.Message}");
        var line = HostileAssert.OneLine(error!, c.Expect[0]);
        foreach (var fragment in c.Expect) Assert.Contains(fragment, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out), $"{name}: the output folder was created before the request was refused");
    }

    [Fact]
    public void The_undamaged_folder_prepares()
    {
        var dir = MakeFolder();
        using var job = GenerateJob.Prepare(new GenerateOptions
        {
            Prompt = "a red fox runs", Model = dir, OutDir = Out, Steps = 2, Size = (32, 32), Frames = 5, Threads = 1,
        }, new ModelCatalog(Path.Combine(_root, "assets")));
        Assert.Equal(2, job.Settings.Steps);
    }

    /// <summary>(case, tokenizer model bytes, a fragment the line must contain).</summary>
    public static readonly (string Name, Func<byte[]> Bytes, string Expect)[] TokenizerCases =
    [
        ("empty tokenizer model", () => [], "the tokenizer model is empty"),
        ("text instead of a model", () => Encoding.ASCII.GetBytes("this is not a sentencepiece model"), "spiece.model: "),
        ("random bytes", () => new Random(5).Let(r => { var b = new byte[4096]; r.NextBytes(b); return b; }), "spiece.model: "),
        ("the real model cut to 100 bytes", () => File.ReadAllBytes(WanFixtures.PathOf("spm-tiny.model"))[..100], "not a usable SentencePiece tokenizer model"),
        ("the real model cut in half", () => File.ReadAllBytes(WanFixtures.PathOf("spm-tiny.model")).Let(b => b[..(b.Length / 2)]), "not a usable SentencePiece tokenizer model"),
    ];

    public static TheoryData<string> TokenizerNames() => new(TokenizerCases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(TokenizerNames))]
    public void Damaged_tokenizer_models_are_one_line_naming_the_file(string name)
    {
        var c = TokenizerCases.Single(x => x.Name == name);
        string path = Path.Combine(_root, "spiece.model");
        File.WriteAllBytes(path, c.Bytes());
        var error = HostileBounds.Run(name, () => UmT5Tokenizer.Load(path, 8));
        Assert.True(error is InvalidDataException, $"{name}: {error?.GetType().Name}: {error?.Message}");
        var line = HostileAssert.OneLine(error!, path);
        Assert.Contains(c.Expect, line, StringComparison.Ordinal);
    }
}
