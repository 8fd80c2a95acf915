//! Body checks: which `modelInput` schema applies to a job, compiled once and shared.

use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::models::Resolution;
use crate::rules::RuleCode;
use crate::scan::BodyCheck;
use crate::validate::ValidateOptions;

/// The family, the compiled body check and any finding about the model id (M009) for a job.
pub fn body_check_for(
    resolution: Option<&Resolution>,
    _opts: &ValidateOptions,
) -> Result<(
    Option<String>,
    Option<Box<dyn BodyCheck>>,
    Option<Diagnostic>,
)> {
    let Some(r) = resolution else {
        return Ok((None, None, None));
    };
    if r.entry.is_none() {
        let d = Diagnostic {
            code: RuleCode::M009,
            file: None,
            path: None,
            position: None,
            pointer: None,
            message: format!(
                "model id `{}` matches no catalog entry: bodies are not checked and default quotas apply (pass --schema FILE, or add the model to schemas/catalog.json)",
                r.input
            ),
        };
        return Ok((None, None, Some(d)));
    }
    Ok((r.family().map(str::to_string), None, None))
}
