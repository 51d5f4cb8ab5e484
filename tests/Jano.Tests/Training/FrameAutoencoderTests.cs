using Jano.Models.FrameAutoencoder;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Training;

public class FrameAutoencoderTests
{
    private static FrameAutoencoderConfig Tiny => new() { LatentChannels = 4, Channels = [8, 16], NormGroups = 4, EncoderBlocks = 1, DecoderBlocks = 1 };

    [Fact]
    public void ShapesRoundTripForFramesAndVideos()
    {
        using var model = new FrameAutoencoderModel(Tiny);
        model.InitializeWeights(3);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var frames = TestModels.Randn(1, 2, 3, 32, 24);
        var z = model.Encode(frames);
        Assert.Equal([2L, 4, 8, 6], z.shape);
        Assert.Equal([2L, 3, 32, 24], model.Decode(z).shape);
        var video = TestModels.Randn(2, 2, 3, 5, 16, 16);
        var zv = model.EncodeVideo(video);
        Assert.Equal([2L, 4, 5, 4, 4], zv.shape);
        Assert.Equal([2L, 3, 5, 16, 16], model.DecodeVideo(zv).shape);
        // frame t of clip b is coded on its own: latent [b, :, t] equals Encode(frame [b, :, t])
        var single = model.Encode(video[1, .., 3].unsqueeze(0));              // [1, 4, 4, 4]
        Assert.True(TestModels.MaxAbsDiff(zv[1, .., 3], single[0]) < 1e-5f);
        var decoded = model.DecodeVideo(zv);
        Assert.True(TestModels.MaxAbsDiff(decoded[0, .., 2], model.Decode(zv[0, .., 2].unsqueeze(0))[0]) < 1e-5f);
        Assert.Throws<ArgumentException>(() => model.Encode(torch.zeros(1, 3, 30, 32)));
        Assert.Throws<ArgumentException>(() => model.Decode(torch.zeros(1, 5, 4, 4)));
    }

    [Fact]
    public void LatentStatisticsAreAppliedAndInverted()
    {
        using var model = new FrameAutoencoderModel(Tiny);
        using var scope = NewDisposeScope();
        var z = TestModels.Randn(4, 2, 4, 3, 5, 5);                           // [B, z, T, h, w]
        Assert.True(TestModels.BitEqual(model.Normalize(z), z), "identity without statistics");
        double[] mean = [0.5, -1.25, 2.0, 0.0], std = [2.0, 0.5, 4.0, 1.5];
        model.SetLatentStats(mean, std);
        var n = model.Normalize(z);
        for (int c = 0; c < 4; c++)
        {
            var expected = z[.., c].sub(mean[c]).div(std[c]);
            Assert.True(TestModels.MaxAbsDiff(n[.., c], expected) < 1e-6f, $"channel {c}");
        }
        Assert.True(TestModels.MaxAbsDiff(model.Denormalize(n), z) < 1e-5f);
        Assert.Throws<ArgumentException>(() => model.SetLatentStats([0, 0, 0, 0], [1, 0, 1, 1]));
        Assert.Throws<ArgumentException>(() => model.SetLatentStats([0, 0, 0], [1, 1, 1]));
    }

    [Fact]
    public void SaveAndLoadKeepWeightsAndStatistics()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"jano-ae-{Guid.NewGuid():N}");
        try
        {
            using var model = new FrameAutoencoderModel(Tiny);
            model.InitializeWeights(11);
            model.SetLatentStats([0.1, 0.2, 1.0 / 3, -7e-5], [1.0 / 7, 2, 3, 0.25]);
            model.eval();
            model.Save(dir);
            using var loaded = FrameAutoencoderModel.Load(dir);
            Assert.Equal(model.Config.LatentsMean, loaded.Config.LatentsMean);
            Assert.Equal(model.Config.LatentsStd, loaded.Config.LatentsStd);
            foreach (var ((name, a), (_, b)) in model.named_parameters().Zip(loaded.named_parameters()))
                Assert.True(TestModels.BitEqual(a, b), name);
            using var scope = NewDisposeScope();
            using var noGrad = torch.no_grad();
            var video = TestModels.Randn(5, 1, 3, 2, 16, 16);
            Assert.True(TestModels.BitEqual(model.EncodeVideo(video), loaded.EncodeVideo(video)));
            Assert.Throws<FileNotFoundException>(() => FrameAutoencoderModel.Load(Path.Combine(dir, "missing")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void StateDictKeysAreTheFieldNames()
    {
        using var model = new FrameAutoencoderModel(Tiny);
        var keys = model.state_dict().Keys.ToArray();
        Assert.Contains("encoder.conv_in.weight", keys);
        Assert.Contains("encoder.blocks_hi.0.norm1.weight", keys);
        Assert.Contains("encoder.downsample.weight", keys);
        Assert.Contains("decoder.blocks_lo.0.conv2.bias", keys);
        Assert.Contains("decoder.upsample.weight", keys);
        Assert.Contains("decoder.conv_out.weight", keys);
        Assert.All(keys, k => Assert.True(k.StartsWith("encoder.", StringComparison.Ordinal) || k.StartsWith("decoder.", StringComparison.Ordinal), k));
    }
}
