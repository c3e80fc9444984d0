// LOCAL-WIP: replaced once the Appcharge store lands.
use std::path::Path;
pub struct Embedded;
impl Embedded {
    pub fn open(_dir: &Path) -> Result<Box<dyn crate::backend::Backend>, String> {
        Err("LOCAL-WIP".into())
    }
}
