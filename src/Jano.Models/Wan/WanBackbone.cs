using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan;

/// <summary>
/// The token path shared by every Wan-shaped model (Wan2.1 and the class-conditional DiT): token selection, RoPE tables of
/// the selected tokens, the block stack, the head and the composition of the full output, with their seam calls. The
/// models differ only in how they embed the condition and in the RoPE precision of their <see cref="WanRope"/>.
/// </summary>
internal static class WanBackbone
{
    /// <summary>
    /// tokens [B, N, C] after patch embedding (grid f·h·w = N) → head output for every token [B, N, P]. <paramref name="condition"/>
    /// gives the fp32 time embedding e [B, C], its six modulation vectors e0 [B, 6, C] and the embedded context [B, L, C]; it
    /// runs only when some token is computed. <paramref name="cache"/> (may be null) keeps the layers' cross-attention K/V.
    /// </summary>
    public static Tensor Forward(Tensor tokens, (int T, int H, int W) grid, ModuleList<WanAttentionBlock> blocks, WanHead head,
        WanRope rope, int headOutDim, ScalarType dtype, Device device, Func<(Tensor E, Tensor E0, Tensor Context)> condition,
        ITransformerHooks hooks, ConditionCache? cache)
    {
        long b = tokens.shape[0];
        int total = (int)tokens.shape[1];
        // seam: token selection (gather rows and their positions)
        var selection = hooks.SelectTokens(total);
        var rotAll = rope.Rotations(grid, device);                              // [N, D/2] complex
        Tensor output;                                                          // [B, n, P]
        if (selection.IsEmpty)
        {
            output = torch.empty([b, 0, headOutDim], dtype: dtype, device: device);
        }
        else
        {
            var h = selection.Gather(tokens, 1).AsFloat32();        // [B, n, C] fp32 residual stream
            var rot = selection.Gather(rotAll, 0);                              // [n, D/2]
            var (e, e0, ctx) = condition();

            // seam: around the block stack (step-level caches may skip it)
            h = hooks.RunBlockStack(h, () => blocks[0].ModulatedInput(h, e0), hs =>
            {
                foreach (var block in blocks)
                    hs = block.Forward(hs, e0, ctx, rot, rotAll, hooks, cache); // [B, n, C]
                return hs;
            });
            output = head.Forward(h, e);                                       // [B, n, P]
        }

        // seam: after the head (skipped rows come from the accelerator's buffer)
        return hooks.ComposeOutput(output, selection);                          // [B, N, P]
    }

    /// <summary>Head output [B, N, pt·ph·pw·C] on the token grid → latent [B, C, T, H, W].</summary>
    public static Tensor Unpatchify(Tensor x, (int T, int H, int W) grid, (int T, int H, int W) patch, int channels)
    {
        long b = x.shape[0];
        var v = x.view(b, grid.T, grid.H, grid.W, patch.T, patch.H, patch.W, channels); // [B, f, h, w, pt, ph, pw, C]
        v = v.permute(0, 7, 1, 4, 2, 5, 3, 6);                                           // [B, C, f, pt, h, ph, w, pw]
        return v.reshape(b, channels, grid.T * patch.T, grid.H * patch.H, grid.W * patch.W); // [B, C, T, H, W]
    }
}
