-- The company's own program templates: copies of a shipped one (or of another copy), edited
-- by facilitators and admins. The JSON is checked by the same parser as the shipped files;
-- a program keeps its own copy, so editing a template changes no program already started.
CREATE TABLE program_templates (
    key        TEXT    PRIMARY KEY,
    template   TEXT    NOT NULL,
    created_by BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
