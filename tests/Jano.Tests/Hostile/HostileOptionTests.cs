using Jano.Cli;
using Xunit;

namespace Jano.Tests.Hostile;

/// <summary>
/// Bad command lines and absurd option values through the CLI's own entry point (<see cref="CliApp.Run"/>, in-process):
/// each ends with exactly one <c>jano: error:</c> line on stderr that names the option or input, exit status 2 for a
/// usage mistake and 1 for a bad file, and no output folder left behind.
/// </summary>
[Collection(HostileSuite.Name)]
public sealed class HostileOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jano-hostile-opt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string G = "generate --model fmnist-image --prompt sneaker --steps 1 --out {out}";

    /// <summary>(case, command line with {out} {dir} {features} {file} placeholders, exit status, fragments of the line).</summary>
    public static readonly (string Name, string[] Args, int Code, string[] Expect)[] Cases =
    [
        ("unknown option", [.. G.Split(' '), "--bogus"], 2, ["unknown option '--bogus' for 'jano generate'"]),
        ("misspelt --steps", [.. G.Split(' '), "--stepz", "3"], 2, ["unknown option '--stepz'", "did you mean '--steps'?"]),
        ("misspelt --prompt", ["generate", "--promt", "sneaker"], 2, ["did you mean '--prompt'?"]),
        ("misspelt --accel-option", [.. G.Split(' '), "--accel-options", "x=1"], 2, ["did you mean '--accel-option'?"]),
        ("stray argument first", ["generate", "stray", "--prompt", "sneaker"], 2, ["unexpected argument 'stray' for 'jano generate'"]),
        ("stray argument last", [.. G.Split(' '), "extra"], 2, ["unexpected argument 'extra'"]),
        ("option given twice", [.. G.Split(' '), "--steps", "2"], 2, ["option '--steps' is given more than once"]),
        ("option without its value", ["generate", "--prompt"], 2, ["option '--prompt' needs a value"]),
        ("unknown command", ["genrate", "--prompt", "x"], 2, ["unknown command 'genrate'", "did you mean 'generate'?"]),
        ("option before the command", ["--steps", "3", "generate"], 2, ["unknown option '--steps': give a command first"]),
        ("ESC in an unknown option", ["generate", "--\u001b[2Jx"], 2, ["unknown option '--\\u001b[2Jx'"]),
        ("steps not a number", ["generate", "--prompt", "sneaker", "--steps", "abc"], 2, ["invalid value 'abc' for --steps: expected an integer"]),
        ("steps beyond int", ["generate", "--prompt", "sneaker", "--steps", "99999999999"], 2, ["invalid value '99999999999' for --steps", "between -2147483648 and 2147483647"]),
        ("steps 0", ["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "0", "--out", "{out}"], 2, ["--steps (0) must be between 1 and 10000"]),
        ("steps 10^6", ["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "1000000", "--out", "{out}"], 2, ["--steps (1000000) must be between 1 and 10000"]),
        ("seed 10^40", [.. G.Split(' '), "--seed", "10000000000000000000000000000000000000000"], 2, ["for --seed", "between"]),
        ("guidance NaN", [.. G.Split(' '), "--guidance", "NaN"], 2, ["invalid value 'NaN' for --guidance: expected a finite number"]),
        ("guidance 1e309", [.. G.Split(' '), "--guidance", "1e309"], 2, ["invalid value '1e309' for --guidance"]),
        ("guidance below 1", [.. G.Split(' '), "--guidance", "0.5"], 2, ["--guidance (0.5) must be at least 1"]),
        ("shift negative", [.. G.Split(' '), "--shift", "-1"], 2, ["--shift (-1) must be positive"]),
        ("eval guidance below 1", ["eval", "--model", "fmnist-image", "--guidance", "0.5", "--out", "{out}"], 2, ["--guidance (0.5) must be at least 1"]),
        ("eval shift zero", ["eval", "--model", "fmnist-image", "--shift", "0", "--out", "{out}"], 2, ["--shift (0) must be positive"]),
        ("train-scenes --resume with --init", ["train-scenes", "--autoencoder", "{dir}", "--out", "{out}", "--resume", "--init", "{file}"], 2, ["--resume and --init exclude each other"]),
        ("train-scenes --init missing", ["train-scenes", "--autoencoder", "{dir}", "--out", "{out}", "--init", "{dir}/none.safetensors"], 2, ["--init: no file '", "none.safetensors'"]),
        ("train-scenes --decay-steps alone", ["train-scenes", "--autoencoder", "{dir}", "--out", "{out}", "--decay-steps", "100"], 2, ["--decay-steps needs --max-steps"]),
        ("train-scenes --decay-steps negative", ["train-scenes", "--autoencoder", "{dir}", "--out", "{out}", "--max-steps", "9", "--decay-steps", "-1"], 2, ["--decay-steps must not be negative"]),
        ("eval ceiling clips zero", ["eval", "--model", "fmnist-video", "--ceiling-clips", "0", "--out", "{out}"], 2, ["--ceiling-clips (0) must be at least 1"]),
        ("size 100000x100000", [.. G.Split(' '), "--size", "100000x100000"], 2, ["--size 100000x100000 is out of range", "between 1 and 8192"]),
        ("size overflowing int", [.. G.Split(' '), "--size", "4294967328x32"], 2, ["invalid --size '4294967328x32'"]),
        ("size 0x0", [.. G.Split(' '), "--size", "0x0"], 2, ["invalid --size '0x0'"]),
        ("size one number", [.. G.Split(' '), "--size", "32"], 2, ["invalid --size '32'"]),
        ("size with a newline", [.. G.Split(' '), "--size", "32x32\n"], 2, ["invalid --size '32x32"]),
        ("size not a patch multiple", [.. G.Split(' '), "--size", "30x30"], 2, ["not a multiple of the model's patch"]),
        ("size 8192x8192 needs more memory", [.. G.Split(' '), "--size", "8192x8192"], 2, ["would need about", "--max-memory"]),
        ("max-memory 0", [.. G.Split(' '), "--max-memory", "0"], 2, ["--max-memory (0) must be a positive number of GiB"]),
        ("max-memory below the need", [.. G.Split(' '), "--max-memory", "0.00001"], 2, ["more than the --max-memory"]),
        ("frames negative", [.. G.Split(' '), "--frames", "-1"], 2, ["--frames (-1) must be between 1 and 4096"]),
        ("frames 10^6", [.. G.Split(' '), "--frames", "1000000"], 2, ["--frames (1000000) must be between 1 and 4096"]),
        ("repeats 0", [.. G.Split(' '), "--repeats", "0"], 2, ["--repeats (0) must be between 1 and 100000"]),
        ("threads 0", [.. G.Split(' '), "--threads", "0"], 2, ["--threads (0) must be between 1 and 1024"]),
        ("threads 10^5", [.. G.Split(' '), "--threads", "100000"], 2, ["--threads (100000) must be between 1 and 1024"]),
        ("unknown accelerator", [.. G.Split(' '), "--accel", "turbo"], 2, ["unknown accelerator 'turbo'"]),
        ("accel none with options", [.. G.Split(' '), "--accel-option", "x=1"], 2, ["accelerator 'none' takes no options"]),
        ("jano warm-up + cool-down overflow", [.. G.Split(' '), "--accel", "jano", "--accel-option", "warmup_steps=2147483647,cooldown_steps=1"], 2, ["warmup_steps (2147483647) must be at most 10000"]),
        ("jano intervals whose product overflows", [.. G.Split(' '), "--accel", "jano", "--accel-option", "static_interval=65536,medium_interval=65536"], 2, ["static_interval (65536) must be at most 10000"]),
        ("jano analysis block 10^5 cubed", [.. G.Split(' '), "--accel", "jano", "--accel-option", "analyze_block_size=100000x100000x100000"], 2, ["analyze_block_size (100000x100000x100000) must have sides between 1 and 1024"]),
        ("jano analysis block 1x1024x1024", ["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "10", "--out", "{out}", "--accel", "jano", "--accel-option", "analyze_block_size=1x1024x1024"], 2, ["analyze_block_size (1x1024x1024) is far larger than the latent grid"]),
        ("jano option without a value", [.. G.Split(' '), "--accel", "jano", "--accel-option", "static_thresh"], 2, ["option 'static_thresh' is not of the form key=value"]),
        ("jano option not a number", [.. G.Split(' '), "--accel", "jano", "--accel-option", "t_weight=abc"], 2, ["invalid value 'abc' for t_weight"]),
        ("jano option infinite", [.. G.Split(' '), "--accel", "jano", "--accel-option", "d_strength=1e999"], 2, ["invalid value '1e999' for d_strength"]),
        ("jano unknown key", [.. G.Split(' '), "--accel", "jano", "--accel-option", "bogus=1"], 2, ["unknown option 'bogus' for jano"]),
        ("teacache negative threshold", [.. G.Split(' '), "--accel", "teacache", "--accel-option", "rel_l1_thresh=-1"], 2, ["rel_l1_thresh (-1) must not be negative"]),
        ("pab range 10^9", [.. G.Split(' '), "--accel", "pab", "--accel-option", "self_range=1000000000"], 2, ["self_range (1000000000) must be at most 10000"]),
        ("ras end step 10^9", [.. G.Split(' '), "--accel", "ras", "--accel-option", "end_step=1000000000"], 2, ["end_step (1000000000) must be at most 10000"]),
        ("unknown model", ["generate", "--model", "nope", "--prompt", "sneaker", "--out", "{out}"], 2, ["unknown model 'nope'"]),
        ("unknown prompt with ESC", ["generate", "--model", "fmnist-image", "--prompt", "\u001b[31mcat", "--steps", "1", "--out", "{out}"], 2, ["unknown prompt '\\u001b[31mcat'"]),
        ("prompt of 30000 characters", ["generate", "--model", "fmnist-image", "--prompt", new string('a', 30_000), "--steps", "1", "--out", "{out}"], 2, ["--prompt is 30000 characters long"]),
        ("prompt with invalid UTF-8", ["generate", "--model", "fmnist-image", "--prompt", "sneak\uFFFDer", "--steps", "1", "--out", "{out}"], 2, ["--prompt is not valid UTF-8"]),
        ("empty prompt", ["generate", "--model", "fmnist-image", "--prompt", "", "--steps", "1", "--out", "{out}"], 2, ["--prompt is required"]),
        ("unknown device", [.. G.Split(' '), "--device", "tpu"], 2, ["unknown device 'tpu'"]),
        ("unknown dtype", [.. G.Split(' '), "--dtype", "int8"], 2, ["unknown dtype 'int8'"]),
        ("unknown sampler", [.. G.Split(' '), "--sampler", "ddim"], 2, ["unknown sampler 'ddim'"]),
        ("out is a regular file", ["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "1", "--out", "{file}"], 2, ["output directory", "is not writable"]),
        ("analyze without input", ["analyze", "--out", "{out}"], 2, ["give exactly one of --features FILE or --model NAME"]),
        ("analyze a missing file", ["analyze", "--features", "{dir}/missing.safetensors", "--out", "{out}"], 2, ["features file", "missing.safetensors' does not exist"]),
        ("analyze a hostile file", ["analyze", "--features", "{hostile}", "--out", "{out}"], 1, ["hostile.safetensors", "extend past the end"]),
        ("analyze with an absurd block", ["analyze", "--features", "{features}", "--accel-option", "analyze_block_size=1000x1000x1000", "--out", "{out}"], 2, ["analyze_block_size (1000x1000x1000) is far larger than the latent grid (2x4x4)"]),
        ("inspect without a path", ["inspect"], 2, ["PATH"]),
        ("inspect with two paths", ["inspect", "{dir}", "{dir}"], 2, ["unexpected argument"]),
        ("bench with 0 prompts", ["bench", "--prompts", "0", "--out", "{out}"], 2, ["--prompts (0) must be in 1..10"]),
        ("train with an unknown model", ["train", "--model", "nope", "--out", "{out}"], 2, ["'nope' is not a Fashion-MNIST DiT model"]),
    ];

    public static TheoryData<string> Names() => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_command_line_ends_in_one_error_line_with_the_right_exit_status(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        string outDir = Path.Combine(_dir, "out"), file = Path.Combine(_dir, "a-file"), features = Path.Combine(_dir, "features.safetensors"),
            hostile = Path.Combine(_dir, "hostile.safetensors");
        File.WriteAllText(file, "not a folder");
        File.WriteAllBytes(features, HostileFiles.Safetensors("{\"f\":{\"dtype\":\"F32\",\"shape\":[3,1,2,4,4],\"data_offsets\":[0,384]}}", new byte[384]));
        File.WriteAllBytes(hostile, HostileFiles.Safetensors("{\"f\":{\"dtype\":\"F32\",\"shape\":[3,1,2,4,4],\"data_offsets\":[0,384]}}", new byte[100]));
        var args = c.Args.Select(a => a.Replace("{out}", outDir).Replace("{dir}", _dir).Replace("{file}", file)
            .Replace("{features}", features).Replace("{hostile}", hostile)).ToArray();
        var before = Directory.GetFileSystemEntries(_dir).Order().ToArray();

        int code = 0;
        string stderr = "";
        var error = HostileBounds.Run(name, () => (code, stderr) = HostileCli.InProcess(args));
        Assert.Null(error);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var errorLines = lines.Where(l => l.StartsWith("jano: error: ", StringComparison.Ordinal)).ToList();
        Assert.True(errorLines.Count == 1, $"{name}: expected one error line, got:\n{stderr}");
        Assert.Equal(errorLines[0], lines[^1]);
        Assert.Equal(c.Code, code);
        string line = errorLines[0]["jano: error: ".Length..];
        HostileAssert.CleanLine(line);
        foreach (var fragment in c.Expect) Assert.Contains(fragment, line, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(_dir).Order().ToArray());
    }
}
