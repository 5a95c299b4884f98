//! Colormaps for the surface: matplotlib's maps by name, sampled into a 256 x 1 lookup texture
//! the surface shader reads by normalised height.
//!
//! The data is matplotlib's own: `coolwarm` from its 33 evenly spaced control points
//! (Kenneth Moreland's diverging map), interpolated linearly like a `LinearSegmentedColormap`;
//! `viridis`, `plasma`, `magma`, `inferno` (van der Walt & Smith, CC0) and `cividis`
//! (Nuñez, Anderton & Renslow, CC0) as their 256 listed entries rounded to bytes; `gray` is
//! linear. A LUT built here equals matplotlib's `cmap(np.arange(256), bytes=True)` to within
//! one unit of rounding.

use std::fmt;
use std::str::FromStr;

/// A named colormap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Colormap {
    #[default]
    Coolwarm,
    Viridis,
    Plasma,
    Magma,
    Inferno,
    Cividis,
    Gray,
}

/// Entries in the lookup texture.
pub const LUT_SIZE: usize = 256;

impl Colormap {
    pub const ALL: [Colormap; 7] = [
        Self::Coolwarm,
        Self::Viridis,
        Self::Plasma,
        Self::Magma,
        Self::Inferno,
        Self::Cividis,
        Self::Gray,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Coolwarm => "coolwarm",
            Self::Viridis => "viridis",
            Self::Plasma => "plasma",
            Self::Magma => "magma",
            Self::Inferno => "inferno",
            Self::Cividis => "cividis",
            Self::Gray => "gray",
        }
    }

    /// Looks a map up by name (case-insensitive; `grey` is `gray`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::named(name).ok()
    }

    /// The map a scene names ([`crate::scene::colormap_name`]), or the error listing the maps.
    pub fn named(name: &str) -> Result<Self, String> {
        let key = crate::scene::colormap_name(name)?;
        Ok(Self::ALL
            .into_iter()
            .find(|c| c.name() == key)
            .expect("every scene colormap name has a map"))
    }

    /// The 256-entry lookup table, sRGB bytes, opaque.
    pub fn lut(self) -> Vec<[u8; 4]> {
        match self {
            Self::Coolwarm => (0..LUT_SIZE)
                .map(|i| {
                    let rgb = segmented(&COOLWARM, i as f64 / (LUT_SIZE - 1) as f64);
                    let b = rgb.map(|v| (v * 255.0).round().clamp(0.0, 255.0) as u8);
                    [b[0], b[1], b[2], 255]
                })
                .collect(),
            Self::Gray => (0..LUT_SIZE).map(|i| [i as u8, i as u8, i as u8, 255]).collect(),
            Self::Viridis => listed(VIRIDIS),
            Self::Plasma => listed(PLASMA),
            Self::Magma => listed(MAGMA),
            Self::Inferno => listed(INFERNO),
            Self::Cividis => listed(CIVIDIS),
        }
    }

    /// The sRGB colour at `t` in 0..1 (clamped), from the LUT, linearly interpolated.
    pub fn sample(self, t: f32) -> [u8; 4] {
        let lut = self.lut();
        let x = t.clamp(0.0, 1.0) * (LUT_SIZE - 1) as f32;
        let i = (x.floor() as usize).min(LUT_SIZE - 2);
        let f = x - i as f32;
        let mut out = [255u8; 4];
        for (k, o) in out.iter_mut().take(3).enumerate() {
            *o = (f32::from(lut[i][k]) * (1.0 - f) + f32::from(lut[i + 1][k]) * f).round() as u8;
        }
        out
    }
}

impl fmt::Display for Colormap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Colormap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_name(s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|c| c.name()).collect();
            format!("unknown colormap '{s}'; choose one of {}", names.join(", "))
        })
    }
}

/// Linear interpolation between evenly spaced control points, like matplotlib's
/// `LinearSegmentedColormap` with N = 256.
pub fn segmented(points: &[[f64; 3]], t: f64) -> [f64; 3] {
    let n = points.len() - 1;
    let x = t.clamp(0.0, 1.0) * n as f64;
    let i = (x.floor() as usize).min(n - 1);
    let f = x - i as f64;
    let (a, b) = (points[i], points[i + 1]);
    [0, 1, 2].map(|k| a[k] + (b[k] - a[k]) * f)
}

fn listed(hex: &str) -> Vec<[u8; 4]> {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    bytes.chunks_exact(3).map(|c| [c[0], c[1], c[2], 255]).collect()
}

/// matplotlib's `coolwarm` (Moreland's diverging map): its 33 control points, evenly spaced.
const COOLWARM: [[f64; 3]; 33] = [
    [0.22980570, 0.29871797, 0.75368315],
    [0.26623388, 0.35309484, 0.80146676],
    [0.30386891, 0.40653530, 0.84495867],
    [0.34280448, 0.45875762, 0.88372590],
    [0.38301334, 0.50941904, 0.91738782],
    [0.42436961, 0.55814809, 0.94561959],
    [0.46666708, 0.60456257, 0.96815491],
    [0.50963520, 0.64828077, 0.98478814],
    [0.55295316, 0.68892933, 0.99537561],
    [0.59626216, 0.72614911, 0.99983620],
    [0.63917621, 0.75959995, 0.99815118],
    [0.68129128, 0.78896471, 0.99036323],
    [0.72219329, 0.81395274, 0.97657471],
    [0.76146495, 0.83430288, 0.95694527],
    [0.79869164, 0.84978614, 0.93168865],
    [0.83346656, 0.86020798, 0.90106884],
    [0.86539520, 0.86541021, 0.86539556],
    [0.89778718, 0.84893705, 0.82088055],
    [0.92412759, 0.82738488, 0.77450847],
    [0.94446852, 0.80092744, 0.72673615],
    [0.95885295, 0.76976775, 0.67800794],
    [0.96732803, 0.73413281, 0.62875176],
    [0.96995414, 0.69426668, 0.57937545],
    [0.96681118, 0.65042116, 0.53026376],
    [0.95800306, 0.60284243, 0.48177591],
    [0.94366087, 0.55175097, 0.43424368],
    [0.92394492, 0.49730856, 0.38797023],
    [0.89904617, 0.43955947, 0.34322960],
    [0.86918685, 0.37831309, 0.30026718],
    [0.83462054, 0.31287445, 0.25930120],
    [0.79563175, 0.24128379, 0.22052563],
    [0.75253493, 0.15724607, 0.18411512],
    [0.70567316, 0.01555616, 0.15023281],
];

/// matplotlib's `viridis`: its 256 entries as sRGB bytes (hex, r g b per entry).
const VIRIDIS: &str = concat!(
    "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769",
    "48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a",
    "472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85",
    "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b",
    "3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d",
    "33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e",
    "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e",
    "26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d",
    "21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88",
    "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81",
    "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74",
    "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863",
    "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d",
    "84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32",
    "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a",
    "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725",
);

/// matplotlib's `plasma`: its 256 entries as sRGB bytes (hex, r g b per entry).
const PLASMA: &str = concat!(
    "0d088710078813078916078a19068c1b068d1d068e20068f2206902406912605912805922a05932c05942e05952f0596",
    "31059733059735049837049938049a3a049a3c049b3e049c3f049c41049d43039e44039e46039f48039f4903a04b03a1",
    "4c02a14e02a25002a25102a35302a35502a45601a45801a45901a55b01a55c01a65e01a66001a66100a76300a76400a7",
    "6600a76700a86900a86a00a86c00a86e00a86f00a87100a87201a87401a87501a87701a87801a87a02a87b02a87d03a8",
    "7e03a88004a88104a78305a78405a78606a68707a68808a68a09a58b0aa58d0ba58e0ca48f0da4910ea3920fa39410a2",
    "9511a19613a19814a099159f9a169f9c179e9d189d9e199da01a9ca11b9ba21d9aa31e9aa51f99a62098a72197a82296",
    "aa2395ab2494ac2694ad2793ae2892b02991b12a90b22b8fb32c8eb42e8db52f8cb6308bb7318ab83289ba3388bb3488",
    "bc3587bd3786be3885bf3984c03a83c13b82c23c81c33d80c43e7fc5407ec6417dc7427cc8437bc9447aca457acb4679",
    "cc4778cc4977cd4a76ce4b75cf4c74d04d73d14e72d24f71d35171d45270d5536fd5546ed6556dd7566cd8576bd9586a",
    "da5a6ada5b69db5c68dc5d67dd5e66de5f65de6164df6263e06363e16462e26561e26660e3685fe4695ee56a5de56b5d",
    "e66c5ce76e5be76f5ae87059e97158e97257ea7457eb7556eb7655ec7754ed7953ed7a52ee7b51ef7c51ef7e50f07f4f",
    "f0804ef1814df1834cf2844bf3854bf3874af48849f48948f58b47f58c46f68d45f68f44f79044f79143f79342f89441",
    "f89540f9973ff9983ef99a3efa9b3dfa9c3cfa9e3bfb9f3afba139fba238fca338fca537fca636fca835fca934fdab33",
    "fdac33fdae32fdaf31fdb130fdb22ffdb42ffdb52efeb72dfeb82cfeba2cfebb2bfebd2afebe2afec029fdc229fdc328",
    "fdc527fdc627fdc827fdca26fdcb26fccd25fcce25fcd025fcd225fbd324fbd524fbd724fad824fada24f9dc24f9dd25",
    "f8df25f8e125f7e225f7e425f6e626f6e826f5e926f5eb27f4ed27f3ee27f3f027f2f227f1f426f1f525f0f724f0f921",
);

/// matplotlib's `magma`: its 256 entries as sRGB bytes (hex, r g b per entry).
const MAGMA: &str = concat!(
    "00000401000501010601010802010902020b02020d03030f03031204041405041606051806051a07061c08071e090720",
    "0a08220b09240c09260d0a290e0b2b100b2d110c2f120d31130d34140e36150e38160f3b180f3d19103f1a10421c1044",
    "1d11471e114920114b21114e22115024125325125527125829115a2a115c2c115f2d11612f1163311165331067341069",
    "36106b38106c390f6e3b0f703d0f713f0f72400f74420f75440f764510774710784910784a10794c117a4e117b4f127b",
    "51127c52137c54137d56147d57157e59157e5a167e5c167f5d177f5f187f601880621980641a80651a80671b80681c81",
    "6a1c816b1d816d1d816e1e81701f81721f817320817521817621817822817922827b23827c23827e2482802582812581",
    "8326818426818627818827818928818b29818c29818e2a81902a81912b81932b80942c80962c80982d80992d809b2e7f",
    "9c2e7f9e2f7fa02f7fa1307ea3307ea5317ea6317da8327daa337dab337cad347cae347bb0357bb2357bb3367ab5367a",
    "b73779b83779ba3878bc3978bd3977bf3a77c03a76c23b75c43c75c53c74c73d73c83e73ca3e72cc3f71cd4071cf4070",
    "d0416fd2426fd3436ed5446dd6456cd8456cd9466bdb476adc4869de4968df4a68e04c67e24d66e34e65e44f64e55064",
    "e75263e85362e95462ea5661eb5760ec5860ed5a5fee5b5eef5d5ef05f5ef1605df2625df2645cf3655cf4675cf4695c",
    "f56b5cf66c5cf66e5cf7705cf7725cf8745cf8765cf9785df9795df97b5dfa7d5efa7f5efa815ffb835ffb8560fb8761",
    "fc8961fc8a62fc8c63fc8e64fc9065fd9266fd9467fd9668fd9869fd9a6afd9b6bfe9d6cfe9f6dfea16efea36ffea571",
    "fea772fea973feaa74feac76feae77feb078feb27afeb47bfeb67cfeb77efeb97ffebb81febd82febf84fec185fec287",
    "fec488fec68afec88cfeca8dfecc8ffecd90fecf92fed194fed395fed597fed799fed89afdda9cfddc9efddea0fde0a1",
    "fde2a3fde3a5fde5a7fde7a9fde9aafdebacfcecaefceeb0fcf0b2fcf2b4fcf4b6fcf6b8fcf7b9fcf9bbfcfbbdfcfdbf",
);

/// matplotlib's `inferno`: its 256 entries as sRGB bytes (hex, r g b per entry).
const INFERNO: &str = concat!(
    "00000401000501010601010802010a02020c02020e03021004031204031405041706041907051b08051d09061f0a0722",
    "0b07240c08260d08290e092b10092d110a30120a32140b34150b37160b39180c3c190c3e1b0c411c0c431e0c451f0c48",
    "210c4a230c4c240c4f260c51280b53290b552b0b572d0b592f0a5b310a5c320a5e340a5f3609613809623909633b0964",
    "3d09653e0966400a67420a68440a68450a69470b6a490b6a4a0c6b4c0c6b4d0d6c4f0d6c510e6c520e6d540f6d550f6d",
    "57106e59106e5a116e5c126e5d126e5f136e61136e62146e64156e65156e67166e69166e6a176e6c186e6d186e6f196e",
    "71196e721a6e741a6e751b6e771c6d781c6d7a1d6d7c1d6d7d1e6d7f1e6c801f6c82206c84206b85216b87216b88226a",
    "8a226a8c23698d23698f24699025689225689326679526679727669827669a28659b29649d29649f2a63a02a63a22b62",
    "a32c61a52c60a62d60a82e5fa92e5eab2f5ead305dae305cb0315bb1325ab3325ab43359b63458b73557b93556ba3655",
    "bc3754bd3853bf3952c03a51c13a50c33b4fc43c4ec63d4dc73e4cc83f4bca404acb4149cc4248ce4347cf4446d04545",
    "d24644d34743d44842d54a41d74b3fd84c3ed94d3dda4e3cdb503bdd513ade5238df5337e05536e15635e25734e35933",
    "e45a31e55c30e65d2fe75e2ee8602de9612bea632aeb6429eb6628ec6726ed6925ee6a24ef6c23ef6e21f06f20f1711f",
    "f1731df2741cf3761bf37819f47918f57b17f57d15f67e14f68013f78212f78410f8850ff8870ef8890cf98b0bf98c0a",
    "f98e09fa9008fa9207fa9407fb9606fb9706fb9906fb9b06fb9d07fc9f07fca108fca309fca50afca60cfca80dfcaa0f",
    "fcac11fcae12fcb014fcb216fcb418fbb61afbb81dfbba1ffbbc21fbbe23fac026fac228fac42afac62df9c72ff9c932",
    "f9cb35f8cd37f8cf3af7d13df7d340f6d543f6d746f5d949f5db4cf4dd4ff4df53f4e156f3e35af3e55df2e661f2e865",
    "f2ea69f1ec6df1ed71f1ef75f1f179f2f27df2f482f3f586f3f68af4f88ef5f992f6fa96f8fb9af9fc9dfafda1fcffa4",
);

/// matplotlib's `cividis`: its 256 entries as sRGB bytes (hex, r g b per entry).
const CIVIDIS: &str = concat!(
    "00224e00234f00245100255300255400265600275800285900285b00295d002a5f002a61002b62002c64002c66002d68",
    "002e6a002e6c002f6d00306f0030700031700031710132710533710833700c34700f357012357014367016377018376f",
    "1a386f1c396f1e3a6f203a6f213b6e233c6e243c6e263d6e273e6e293f6e2a3f6d2b406d2d416d2e416d2f426d31436d",
    "32436d33446d34456c35456c36466c38476c39486c3a486c3b496c3c4a6c3d4a6c3e4b6c3f4c6c404c6c414d6c424e6c",
    "434e6c444f6c45506c46516c47516c48526c49536c4a536c4b546c4c556c4d556c4e566c4f576c50576c51586d52596d",
    "535a6d545a6d555b6d555c6d565c6d575d6d585e6d595e6e5a5f6e5b606e5c616e5d616e5e626e5e636f5f636f60646f",
    "61656f62656f636670646770656870656870666970676a71686a71696b716a6c716b6d726c6d726c6e726d6f726e6f73",
    "6f70737071737172747272747273747374757474757575757676767777767777777878777979777a7a787b7a787c7b78",
    "7d7c787e7c787e7d787f7e78807f78817f788280798381798482798582798683798784788885788985788a86788b8778",
    "8c88788d88788e89788f8a78908b78918b78928c78928d78938e78948e77958f779690779791779892779992779a9376",
    "9b94769c95769d95769e96769f9775a09875a19975a29975a39a74a49b74a59c74a69c74a79d73a89e73a99f73aaa073",
    "aba072aca172ada272aea371afa471b0a571b1a570b3a670b4a76fb5a86fb6a96fb7a96eb8aa6eb9ab6dbaac6dbbad6d",
    "bcae6cbdae6cbeaf6bbfb06bc0b16ac1b26ac2b369c3b369c4b468c5b568c6b667c7b767c8b866c9b965cbb965ccba64",
    "cdbb63cebc63cfbd62d0be62d1bf61d2c060d3c05fd4c15fd5c25ed6c35dd7c45cd9c55cdac65bdbc75adcc859ddc858",
    "dec958dfca57e0cb56e1cc55e2cd54e4ce53e5cf52e6d051e7d150e8d24fe9d34eead34cebd44bedd54aeed649efd748",
    "f0d846f1d945f2da44f3db42f5dc41f6dd3ff7de3ef8df3cf9e03afbe138fce236fde334fee434fee535fee636fee838",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_map_has_256_entries_and_a_name() {
        for c in Colormap::ALL {
            assert_eq!(c.lut().len(), LUT_SIZE, "{c}");
            assert_eq!(Colormap::from_name(c.name()), Some(c));
        }
        assert_eq!("Grey".parse::<Colormap>(), Ok(Colormap::Gray));
        assert!("jet".parse::<Colormap>().unwrap_err().contains("coolwarm"));
    }

    /// Values read from matplotlib 3.11: `cmap(np.arange(256), bytes=True)`.
    #[test]
    fn luts_match_matplotlib() {
        let cw = Colormap::Coolwarm.lut();
        for (i, want) in [(0, [59, 76, 192]), (64, [141, 176, 254]), (128, [221, 220, 220])] {
            let got = cw[i];
            for k in 0..3 {
                assert!(
                    (i32::from(got[k]) - want[k]).abs() <= 1,
                    "coolwarm[{i}] = {got:?}"
                );
            }
        }
        assert_eq!(&cw[200][..3], &[240, 139, 110]);
        assert_eq!(&cw[255][..3], &[180, 4, 38]);
        let v = Colormap::Viridis.lut();
        assert_eq!(&v[0][..3], &[68, 1, 84]);
        assert_eq!(&v[100][..3], &[42, 118, 142]);
        assert_eq!(&v[255][..3], &[253, 231, 37]);
        assert_eq!(&Colormap::Gray.lut()[100][..3], &[100, 100, 100]);
        assert_eq!(Colormap::Viridis.sample(1.0), [253, 231, 37, 255]);
    }
}
