using System.Text.Json.Nodes;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Tests.Flux;
using Xunit;

namespace Jano.Tests.Hostile;

/// <summary>Hostile FLUX.1 folders in both layouts, in-process through <see cref="GenerateJob.Prepare"/> (every check runs before
/// any compute): configs with impossible, mistyped or absurd sizes, truncated or damaged safetensors, wrong shapes, sharded
/// indexes that point outside the folder or hold non-strings, text-encoder configs the port cannot run, and missing or
/// damaged tokenizer files. Each is one line naming the folder and the file, and nothing is written.</summary>
[Collection(HostileSuite.Name)]
public sealed class HostileFluxFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("jano-hostile-flux-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Out => Path.Combine(_root, "out");

    private static void Edit(string path, Func<JsonObject, JsonObject> change) =>
        File.WriteAllText(path, change(JsonNode.Parse(File.ReadAllText(path))!.AsObject()).ToJsonString());

    private static Func<JsonObject, JsonObject> Set(string field, string json) => o =>
    {
        o[field] = JsonNode.Parse(json);
        return o;
    };

    private static void Truncate(string path, int bytes) => File.WriteAllBytes(path, File.ReadAllBytes(path)[..bytes]);

    private static void DamageHeader(string path)
    {
        var b = File.ReadAllBytes(path);
        b[8] = (byte)'!';
        File.WriteAllBytes(path, b);
    }

    private const string Index = "transformer/diffusion_pytorch_model.safetensors.index.json";

    /// <summary>(case, Diffusers layout, damage, fragments the line must contain after the folder).</summary>
    public static readonly (string Name, bool Diffusers, Action<string> Damage, string[] Expect)[] Cases =
    [
        ("config hidden_size a string", false, d => Edit(Path.Combine(d, "config.json"), Set("hidden_size", "\"32\"")), ["invalid config.json", "'hidden_size' must be an integer"]),
        ("config depth 100000", false, d => Edit(Path.Combine(d, "config.json"), Set("depth", "100000")), ["invalid config.json", "depth (100000) must be between 1 and 1024"]),
        ("config hidden_size 2^31-1", false, d => Edit(Path.Combine(d, "config.json"), Set("hidden_size", "2147483647")), ["invalid config.json", "hidden_size (2147483647) must be between 1 and 16384"]),
        ("config heads not dividing the width", false, d => Edit(Path.Combine(d, "config.json"), Set("num_heads", "3")), ["invalid config.json", "divisible"]),
        ("config not JSON", false, d => File.WriteAllText(Path.Combine(d, "config.json"), "{\"depth\": 2"), ["invalid config.json", "not valid JSON"]),
        ("config an array", false, d => File.WriteAllText(Path.Combine(d, "config.json"), "[1,2]"), ["invalid config.json", "JSON object"]),
        ("config of 70 MB", false, d => { using var f = File.OpenWrite(Path.Combine(d, "config.json")); f.SetLength(70L << 20); }, ["invalid config.json", "too large"]),
        ("transformer truncated", false, d => Truncate(Path.Combine(d, "flux1-dev.safetensors"), 300), ["invalid flux1-dev.safetensors"]),
        ("transformer header damaged", false, d => DamageHeader(Path.Combine(d, "flux1-dev.safetensors")), ["invalid flux1-dev.safetensors", "not valid JSON"]),
        ("transformer and schnell both present", false, d => File.Copy(Path.Combine(d, "flux1-dev.safetensors"), Path.Combine(d, "flux1-schnell.safetensors")), ["keep one"]),
        ("VAE truncated", false, d => Truncate(Path.Combine(d, "ae.safetensors"), 100), ["invalid ae.safetensors"]),
        ("CLIP width 10^9", false, d => Edit(Path.Combine(d, "openai", "clip-vit-large-patch14", "config.json"), o => { o["text_config"]!["hidden_size"] = 1_000_000_000; return o; }),
            ["invalid openai/clip-vit-large-patch14/config.json", "hidden_size (1000000000) must be between 1 and 16384"]),
        ("CLIP vocab.json not JSON", false, d => File.WriteAllText(Path.Combine(d, "openai", "clip-vit-large-patch14", "vocab.json"), "{\"a\":"),
            ["invalid openai/clip-vit-large-patch14/vocab.json, merges.txt"]),
        ("T5 relu feed-forward", false, d => Edit(Path.Combine(d, "google", "t5-v1_1-xxl", "config.json"), Set("feed_forward_proj", "\"relu\"")),
            ["invalid google/t5-v1_1-xxl/config.json", "gated-gelu"]),
        ("T5 vocabulary 3 million", false, d => Edit(Path.Combine(d, "google", "t5-v1_1-xxl", "config.json"), Set("vocab_size", "3000000")),
            ["invalid google/t5-v1_1-xxl/config.json", "vocab (3000000)"]),
        ("T5 tokenizer missing", false, d => File.Delete(Path.Combine(d, "google", "t5-v1_1-xxl", "spiece.model")), ["missing google/t5-v1_1-xxl/spiece.model"]),
        ("T5 tokenizer garbage", false, d => File.WriteAllText(Path.Combine(d, "google", "t5-v1_1-xxl", "spiece.model"), "not a model"), ["invalid google/t5-v1_1-xxl/spiece.model"]),
        ("model_index.json not JSON", true, d => File.WriteAllText(Path.Combine(d, "model_index.json"), "{"), ["invalid model_index.json", "not valid JSON"]),
        ("Diffusers config num_layers 10^9", true, d => Edit(Path.Combine(d, "transformer", "config.json"), Set("num_layers", "1000000000")),
            ["invalid transformer/config.json", "depth (1000000000) must be between 1 and 1024"]),
        ("Diffusers config a float width", true, d => Edit(Path.Combine(d, "transformer", "config.json"), Set("attention_head_dim", "16.5")),
            ["invalid transformer/config.json", "'attention_head_dim'"]),
        ("VAE config widths as strings", true, d => Edit(Path.Combine(d, "vae", "config.json"), Set("block_out_channels", "[\"a\",\"b\"]")), ["invalid vae/diffusion_pytorch_model.safetensors"]),
        ("index shard outside the folder", true, d => File.WriteAllText(Path.Combine(d, Index), "{\"weight_map\":{\"a\":\"../../../etc/passwd\"}}"),
            ["invalid transformer/diffusion_pytorch_model*.safetensors", "not a plain file name"]),
        ("index value a number", true, d => File.WriteAllText(Path.Combine(d, Index), "{\"weight_map\":{\"a\":7}}"), ["invalid transformer/diffusion_pytorch_model*.safetensors", "not a shard file name"]),
        ("index not JSON", true, d => File.WriteAllText(Path.Combine(d, Index), "{weight_map"), ["invalid transformer/diffusion_pytorch_model*.safetensors", "not valid JSON"]),
        ("shard with a wrong shape", true, d =>
        {
            string shard = Path.Combine(d, "transformer", "diffusion_pytorch_model-00001-of-00002.safetensors");
            var tensors = new Dictionary<string, TorchSharp.torch.Tensor>(StringComparer.Ordinal);
            using (var f = Core.Weights.WeightLoader.OpenTensorFile(shard))
                foreach (var e in f.Entries) tensors[e.Name] = f.Read(e.Name);
            var name = tensors.Keys.Order(StringComparer.Ordinal).First(k => tensors[k].dim() >= 1);
            var old = tensors[name];
            tensors[name] = TorchSharp.torch.zeros([old.shape[0] + 1, .. old.shape[1..]]);
            old.Dispose();
            Core.Weights.SafetensorsWriter.Save(shard, tensors);
            foreach (var t in tensors.Values) t.Dispose();
        }, ["invalid transformer/diffusion_pytorch_model*.safetensors", "wrong shapes"]),
        ("T5 shard truncated", true, d => Truncate(Path.Combine(d, "text_encoder_2", "model-00002-of-00002.safetensors"), 40), ["invalid text_encoder_2/model*.safetensors"]),
        ("CLIP tokenizer merges missing", true, d => File.Delete(Path.Combine(d, "tokenizer", "merges.txt")), ["missing tokenizer/vocab.json, merges.txt"]),
    ];

    public static TheoryData<string> Names() => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_case_fails_before_compute_with_one_line_naming_the_folder_and_the_file(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var dir = FluxTestFolders.Write(Path.Combine(_root, "flux"), c.Diffusers);
        c.Damage(dir);
        var error = HostileBounds.Run(name, () =>
        {
            using var job = GenerateJob.Prepare(new GenerateOptions
            {
                Prompt = "a red fox", Model = dir, OutDir = Out, Steps = 2, Size = (16, 16), Frames = 1, Threads = 1,
            }, new ModelCatalog(Path.Combine(_root, "assets")));
        });
        Assert.True(error is InvalidDataException, $"{name}: {error?.GetType().Name}: {error?.Message}");
        var line = HostileAssert.OneLine(error!, Path.GetFullPath(dir));
        foreach (var fragment in c.Expect) Assert.Contains(fragment, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out), $"{name}: the output folder was created before the request was refused");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_undamaged_folders_prepare(bool diffusers)
    {
        var dir = FluxTestFolders.Write(Path.Combine(_root, "flux"), diffusers);
        using var job = GenerateJob.Prepare(new GenerateOptions
        {
            Prompt = "a red fox", Model = dir, OutDir = Out, Steps = 2, Size = (16, 16), Frames = 1, Threads = 1,
        }, new ModelCatalog(Path.Combine(_root, "assets")));
        Assert.Equal(2, job.Settings.Steps);
    }
}
