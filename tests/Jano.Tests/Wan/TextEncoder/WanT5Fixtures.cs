using Jano.Core.Weights;
using Jano.Models.Wan.TextEncoder;
using Jano.Tests.Wan;
using static TorchSharp.torch;

namespace Jano.Tests.Wan.TextEncoder;

/// <summary>Fixtures written by scripts/fixtures/make_wan_t5_fixtures.py from the official wan/modules/t5.py.</summary>
internal static class WanT5Fixtures
{
    public const string Weights = "t5-tiny.safetensors";
    public const string Io = "t5-tiny-io.safetensors";

    /// <summary>The tiny encoder with the fixture's weights, loaded strictly, in eval mode (optionally built in <paramref name="dtype"/>).</summary>
    public static UmT5Encoder TinyEncoder(ScalarType dtype = ScalarType.Float32)
    {
        var model = new UmT5Encoder(UmT5Config.Tiny, dtype: dtype);
        WeightLoader.LoadInto(model, [WanFixtures.PathOf(Weights)]);
        model.eval();
        return model;
    }

    public static Tensor Read(string name) => WanFixtures.Read(Io, name);
}
