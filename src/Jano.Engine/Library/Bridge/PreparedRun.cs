using Jano.Core.Acceleration;
using Jano.Engine.Pipelines;

namespace Jano.Bridge;

/// <summary>A validated request: the engine request, the configured accelerator and the sampler name.</summary>
internal sealed record PreparedRun(GenerationRequest Request, IAccelerator Accelerator, string Sampler);
