namespace Jano.Training.Scenes;

/// <summary>
/// Everything that defines one scene clip: the Fashion-MNIST item and its colour, the background seed, and the item's
/// straight-line motion and slow turn. Positions and sizes are in pixels of the rendered frame.
/// </summary>
/// <param name="Label">Fashion-MNIST class of the item (0..9).</param>
/// <param name="ItemIndex">Index of the item in the source's Fashion-MNIST split.</param>
/// <param name="BackgroundSeed">Seed of the <see cref="SceneBackground"/>.</param>
/// <param name="Size">Side of the square the 28×28 item is scaled to.</param>
/// <param name="X0">Item centre, x, in frame 0.</param>
/// <param name="Y0">Item centre, y, in frame 0.</param>
/// <param name="Vx">Horizontal velocity, pixels per frame.</param>
/// <param name="Vy">Vertical velocity, pixels per frame.</param>
/// <param name="Angle0">Rotation in frame 0, radians.</param>
/// <param name="Spin">Rotation per frame, radians.</param>
/// <param name="Tint">Item colour (RGB in [0, 1]); the item's brightest pixels take this colour.</param>
public sealed record SceneClip(int Label, int ItemIndex, int BackgroundSeed, double Size, double X0, double Y0, double Vx, double Vy,
    double Angle0, double Spin, (double R, double G, double B) Tint);
