using Jano.Engine.Output;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Cli.Commands;

/// <summary>PNG grids of scene clips for <c>train-autoencoder</c> and <c>train-scenes</c>: one row per clip, one column per frame.</summary>
internal static class ScenePreview
{
    /// <summary>Writes <paramref name="clips"/> [N, 3, T, H, W] in [-1, 1] as a grid (2× enlarged) with optional row captions.</summary>
    public static void Write(string path, Tensor clips, IReadOnlyList<string?>? captions = null)
    {
        var rows = new List<IReadOnlyList<Frame8>>();
        using (torch.no_grad())
            for (long i = 0; i < clips.shape[0]; i++)
            {
                using var clip = clips[i];
                rows.Add(FrameConverter.ToFrames(clip));
            }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        PngWriter.Write(path, ImageGrid.Compose(rows, gap: 2, upscale: 2, captions));
    }
}
