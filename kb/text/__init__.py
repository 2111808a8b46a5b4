"""Text stage: script conversion, sentence and passage cutting, word segmentation."""
from kb.text.convert import (
    detect_script,
    fold_width,
    conversion_for,
    to_simplified,
    to_script,
    has_traditional_only,
)
from kb.text.passages import (LEAD_IN, LIST_ITEM, split_sentences, cut_passages, outline, passage_sentences,
                             PassageSpan, sentence_spans)
from kb.text.tokens import (data_lines, expand_query, named_terms, synonyms, tag_string, tagged, tags_within, token_set,
                            tokenize, tokenize_query)

__all__ = [
    "detect_script",
    "fold_width",
    "conversion_for",
    "to_simplified",
    "to_script",
    "has_traditional_only",
    "split_sentences",
    "sentence_spans",
    "passage_sentences",
    "outline",
    "LIST_ITEM",
    "LEAD_IN",
    "cut_passages",
    "PassageSpan",
    "tokenize",
    "data_lines",
    "tagged",
    "tag_string",
    "tags_within",
    "token_set",
    "named_terms",
    "tokenize_query",
    "expand_query",
    "synonyms",
]
