//! Rendered question text, cached by question version.

use super::bank::{markdown, QuestionContent};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct Rendered {
    pub prompt_html: String,
    /// Option id and its HTML, in authored order.
    pub options: Vec<(String, String)>,
}

impl Rendered {
    pub fn option_html(&self, id: &str) -> &str {
        self.options
            .iter()
            .find(|(o, _)| o == id)
            .map_or("", |(_, h)| h.as_str())
    }
}

#[derive(Default)]
pub struct RenderCache {
    map: Mutex<HashMap<String, Arc<Rendered>>>,
}

impl RenderCache {
    pub fn get(&self, hash: &str, q: &QuestionContent) -> Arc<Rendered> {
        if let Some(r) = self.map.lock().ok().and_then(|m| m.get(hash).cloned()) {
            return r;
        }
        let r = Arc::new(Rendered {
            prompt_html: markdown::block(&q.prompt),
            options: q
                .options
                .iter()
                .map(|o| (o.id.clone(), markdown::inline(&o.text)))
                .collect(),
        });
        if let Ok(mut m) = self.map.lock() {
            m.insert(hash.to_string(), Arc::clone(&r));
        }
        r
    }
}
