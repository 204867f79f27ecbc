//! [`Rectifier`]: any member of the family, chosen at run time.

use core::fmt;
use core::str::FromStr;

use num_traits::Float;

use super::{Member, ParamError, kernel_activation};
use crate::{Clip, ClippedRelu, LeakyRelu, Relu, ThresholdedRelu};

/// Any activation of the family, for activations chosen at run time (from a configuration
/// file, a command line, a model description). It runs the kernels of the member it holds,
/// with the same bits.
///
/// It parses from and displays as text: `relu`, `leaky_relu` (slope 0.01, PyTorch's
/// default), `leaky_relu(a)`, `relu6`, `clipped_relu(c)`, `clip(min, max)`,
/// `thresholded_relu` (alpha 1, ONNX's default) and `thresholded_relu(alpha)`. Spaces around
/// the parts are allowed; the numbers are what `T`'s `FromStr` reads (`inf`, `-0`, `1e-3`).
/// `Display` writes the form with parameters, which `FromStr` reads back to an equal value.
///
/// # Examples
///
/// ```
/// use rectify::{Activation, Rectifier};
///
/// let act: Rectifier<f32> = "leaky_relu(0.1)".parse()?;
/// assert_eq!(act.at(-1.0), -0.1);
/// assert_eq!(act.to_string(), "leaky_relu(0.1)");
///
/// let relu6: Rectifier<f32> = "relu6".parse()?;
/// assert_eq!(relu6.to_string(), "clipped_relu(6)");
/// assert_eq!(relu6.to_string().parse::<Rectifier<f32>>()?, relu6);
/// # Ok::<(), rectify::ParseRectifierError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Rectifier<T> {
    /// [`Relu`].
    Relu,
    /// [`LeakyRelu`].
    LeakyRelu(LeakyRelu<T>),
    /// [`ClippedRelu`].
    ClippedRelu(ClippedRelu<T>),
    /// [`Clip`].
    Clip(Clip<T>),
    /// [`ThresholdedRelu`].
    ThresholdedRelu(ThresholdedRelu<T>),
}

impl<T: Float> Rectifier<T> {
    #[inline(always)]
    pub(crate) fn member(&self) -> Member<T> {
        match self {
            Rectifier::Relu => Member::Relu,
            Rectifier::LeakyRelu(a) => a.member(),
            Rectifier::ClippedRelu(a) => a.member(),
            Rectifier::Clip(a) => a.member(),
            Rectifier::ThresholdedRelu(a) => a.member(),
        }
    }
}

kernel_activation!(Rectifier<T>);

impl<T> From<Relu> for Rectifier<T> {
    fn from(_: Relu) -> Self {
        Rectifier::Relu
    }
}

impl<T> From<LeakyRelu<T>> for Rectifier<T> {
    fn from(a: LeakyRelu<T>) -> Self {
        Rectifier::LeakyRelu(a)
    }
}

impl<T> From<ClippedRelu<T>> for Rectifier<T> {
    fn from(a: ClippedRelu<T>) -> Self {
        Rectifier::ClippedRelu(a)
    }
}

impl<T> From<Clip<T>> for Rectifier<T> {
    fn from(a: Clip<T>) -> Self {
        Rectifier::Clip(a)
    }
}

impl<T> From<ThresholdedRelu<T>> for Rectifier<T> {
    fn from(a: ThresholdedRelu<T>) -> Self {
        Rectifier::ThresholdedRelu(a)
    }
}

impl<T: Float + fmt::Display> fmt::Display for Rectifier<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rectifier::Relu => f.write_str("relu"),
            Rectifier::LeakyRelu(a) => write!(f, "leaky_relu({})", a.slope()),
            Rectifier::ClippedRelu(a) => write!(f, "clipped_relu({})", a.ceiling()),
            Rectifier::Clip(a) => write!(f, "clip({}, {})", a.min(), a.max()),
            Rectifier::ThresholdedRelu(a) => write!(f, "thresholded_relu({})", a.alpha()),
        }
    }
}

/// Why a text is not a [`Rectifier`].
///
/// # Examples
///
/// ```
/// use rectify::{ParseRectifierError, Rectifier};
///
/// let err = "gelu".parse::<Rectifier<f32>>().unwrap_err();
/// assert_eq!(err, ParseRectifierError::UnknownName);
/// assert!(matches!(
///     "clipped_relu(-1)".parse::<Rectifier<f32>>(),
///     Err(ParseRectifierError::Param(_))
/// ));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParseRectifierError {
    /// The name is none of the family's.
    UnknownName,
    /// The parentheses or commas are not as the name needs: a missing `)`, or the wrong
    /// number of parameters.
    BadSyntax,
    /// A parameter is not a number `T` reads.
    BadNumber,
    /// A parameter is a number the activation refuses.
    Param(ParamError),
}

impl fmt::Display for ParseRectifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseRectifierError::UnknownName => f.write_str(
                "unknown activation: expected relu, leaky_relu, relu6, clipped_relu, clip or \
                 thresholded_relu",
            ),
            ParseRectifierError::BadSyntax => f.write_str(
                "malformed activation: expected a name, or a name and its parameters in \
                 parentheses, separated by commas",
            ),
            ParseRectifierError::BadNumber => {
                f.write_str("an activation parameter is not a number")
            }
            ParseRectifierError::Param(e) => write!(f, "bad activation parameter: {e}"),
        }
    }
}

impl core::error::Error for ParseRectifierError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ParseRectifierError::Param(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParamError> for ParseRectifierError {
    fn from(e: ParamError) -> Self {
        ParseRectifierError::Param(e)
    }
}

impl<T: Float + FromStr> FromStr for Rectifier<T> {
    type Err = ParseRectifierError;

    fn from_str(text: &str) -> Result<Self, ParseRectifierError> {
        let text = text.trim();
        let (name, args) = match text.split_once('(') {
            None => (text, None),
            Some((name, rest)) => {
                let args = rest
                    .trim_end()
                    .strip_suffix(')')
                    .ok_or(ParseRectifierError::BadSyntax)?;
                (name.trim_end(), Some(args))
            }
        };
        // The parameters, at most two.
        let mut params = [T::zero(); 2];
        let mut count = 0;
        if let Some(args) = args {
            for arg in args.split(',') {
                let slot = params
                    .get_mut(count)
                    .ok_or(ParseRectifierError::BadSyntax)?;
                *slot = arg
                    .trim()
                    .parse()
                    .map_err(|_| ParseRectifierError::BadNumber)?;
                count += 1;
            }
        }
        let [a, b] = params;
        let hundredth = T::from(0.01).unwrap_or_else(T::nan);
        let six = crate::scalar::six();
        Ok(match (name, count, args.is_some()) {
            ("relu", 0, false) => Rectifier::Relu,
            ("leaky_relu", 0, false) => LeakyRelu::new(hundredth)?.into(),
            ("leaky_relu", 1, _) => LeakyRelu::new(a)?.into(),
            ("relu6", 0, false) => ClippedRelu::new(six)?.into(),
            ("clipped_relu", 1, _) => ClippedRelu::new(a)?.into(),
            ("clip", 2, _) => Clip::new(a, b)?.into(),
            ("thresholded_relu", 0, false) => ThresholdedRelu::new(T::one())?.into(),
            ("thresholded_relu", 1, _) => ThresholdedRelu::new(a)?.into(),
            (
                "relu" | "leaky_relu" | "relu6" | "clipped_relu" | "clip" | "thresholded_relu",
                ..,
            ) => return Err(ParseRectifierError::BadSyntax),
            _ => return Err(ParseRectifierError::UnknownName),
        })
    }
}
