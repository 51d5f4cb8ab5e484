namespace Jano.Acceleration.JanoMethod;

/// <summary>Where Jano's frozen-token caches live (spec §3.8's host-memory idea, without streams).</summary>
public enum JanoCacheDevice
{
    /// <summary>On the model's device.</summary>
    Model,

    /// <summary>In host memory; copied to the model's device each time a cheap step uses them.</summary>
    Cpu,
}
