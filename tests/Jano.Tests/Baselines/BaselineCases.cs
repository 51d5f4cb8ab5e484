using Jano.Acceleration.EasyCache;
using Jano.Acceleration.MagCache;
using Jano.Acceleration.Pab;
using Jano.Acceleration.Ras;
using Jano.Acceleration.TeaCache;
using Jano.Acceleration.ToCa;
using Jano.Core.Acceleration;
using Jano.Core.Options;

namespace Jano.Tests.Baselines;

/// <summary>The six baselines with option text, as the tests build them (settings scaled to the 12-step test request).</summary>
public static class BaselineCases
{
    public static IAccelerator Create(string method, string options = "") => method switch
    {
        "teacache" => new TeaCacheAccelerator(new TeaCacheOptions().With(OptionList.Parse(options))),
        "magcache" => new MagCacheAccelerator(new MagCacheOptions().With(OptionList.Parse(options))),
        "easycache" => new EasyCacheAccelerator(new EasyCacheOptions().With(OptionList.Parse("warmup_steps=3," + options))),
        "pab" => new PabAccelerator(new PabOptions().With(OptionList.Parse("warmup_steps=2,cooldown_steps=2,layer_interval=1," + options))),
        "toca" => new ToCaAccelerator(new ToCaOptions().With(OptionList.Parse(options))),
        "ras" => new RasAccelerator(new RasOptions().With(OptionList.Parse("start_step=2,end_step=9,reset_steps=6," + options))),
        _ => throw new ArgumentException(method),
    };

    /// <summary>Each method's "off" setting.</summary>
    public static IEnumerable<object[]> Off() =>
    [
        ["teacache", "rel_l1_thresh=0"],
        ["magcache", "magcache_thresh=0"],
        ["easycache", "thresh=0"],
        ["pab", "self_range=1,cross_range=1"],
        ["toca", "fresh_threshold=1,cross_fresh_threshold=1"],
        ["ras", "sample_ratio=1"],
    ];

    /// <summary>Each method at an aggressive setting (it must change the output).</summary>
    public static IEnumerable<object[]> On() =>
    [
        ["teacache", "rel_l1_thresh=100"],
        ["magcache", "magcache_k=3"],
        ["easycache", "thresh=100"],
        ["pab", "self_range=3,cross_range=4"],
        ["toca", "fresh_ratio=0.25"],
        ["ras", "sample_ratio=0.5"],
    ];
}
