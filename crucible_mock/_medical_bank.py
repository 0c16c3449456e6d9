"""Medical diagnosis questions: (hardness 1-5, question, answer, distractors most plausible
first, key reasoning steps). Hardness orders the bank; it is turned into a difficulty
quantile in :mod:`crucible_mock.datasets`."""

MEDICAL_BANK: tuple[tuple[int, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (1, "A 24-year-old has fever, a stiff neck, photophobia and a petechial rash. "
        "What is the most likely diagnosis?",
     "Meningococcal meningitis", ("Viral meningitis", "Migraine", "Subarachnoid haemorrhage"),
     ("Fever with neck stiffness and photophobia points to meningitis.",
      "A petechial rash singles out Neisseria meningitidis.")),
    (1, "A 58-year-old smoker has crushing central chest pain for 40 minutes with ST "
        "elevation in leads II, III and aVF. What is the diagnosis?",
     "Inferior myocardial infarction", ("Anterior myocardial infarction", "Pericarditis",
                                        "Aortic dissection"),
     ("Prolonged ischaemic chest pain with ST elevation means an acute infarction.",
      "Leads II, III and aVF look at the inferior wall.")),
    (1, "A 7-year-old has polyuria, polydipsia, weight loss and a glucose of 25 mmol/L "
        "with ketonuria. What is the diagnosis?",
     "Type 1 diabetes mellitus", ("Type 2 diabetes mellitus", "Diabetes insipidus",
                                  "Urinary tract infection"),
     ("Hyperglycaemia with osmotic symptoms establishes diabetes.",
      "A lean child with ketones points to insulin deficiency: type 1.")),
    (2, "A 30-year-old woman has heat intolerance, weight loss, a diffuse goitre and "
        "exophthalmos. What is the most likely cause?",
     "Graves disease", ("Toxic multinodular goitre", "Hashimoto thyroiditis",
                        "Subacute thyroiditis"),
     ("Heat intolerance and weight loss indicate hyperthyroidism.",
      "Eye signs with a diffuse goitre are specific to Graves disease.")),
    (2, "A 65-year-old has sudden painless loss of vision in one eye and a cherry-red "
        "spot at the macula. What is the diagnosis?",
     "Central retinal artery occlusion", ("Central retinal vein occlusion",
                                          "Retinal detachment", "Acute angle-closure glaucoma"),
     ("Sudden painless monocular loss suggests a vascular event.",
      "A cherry-red spot on a pale retina marks arterial occlusion.")),
    (2, "A 45-year-old has right upper quadrant pain after fatty meals, fever and a "
        "positive Murphy sign. What is the diagnosis?",
     "Acute cholecystitis", ("Biliary colic", "Acute pancreatitis", "Hepatitis"),
     ("Post-prandial right upper quadrant pain points to the gallbladder.",
      "Fever and Murphy sign mean inflammation, not simple colic.")),
    (2, "A 70-year-old has an irregularly irregular pulse of 130/min and no P waves on "
        "the ECG. What is the rhythm?",
     "Atrial fibrillation", ("Atrial flutter", "Multifocal atrial tachycardia",
                             "Sinus tachycardia"),
     ("An irregularly irregular rhythm narrows the choice.",
      "Absent P waves without sawtooth flutter waves means atrial fibrillation.")),
    (2, "A 19-year-old has fever, sore throat, posterior cervical lymphadenopathy, "
        "splenomegaly and atypical lymphocytes. What is the diagnosis?",
     "Infectious mononucleosis", ("Streptococcal pharyngitis", "Acute leukaemia",
                                  "Cytomegalovirus infection"),
     ("Pharyngitis with posterior nodes and splenomegaly in a young adult suggests EBV.",
      "Atypical lymphocytes support infectious mononucleosis.")),
    (3, "A 35-year-old has episodic headache, palpitations, sweating and blood pressure "
        "of 220/120 mmHg during attacks. What is the most likely cause?",
     "Phaeochromocytoma", ("Panic disorder", "Hyperthyroidism", "Carcinoid syndrome"),
     ("Paroxysms of headache, palpitations and sweating form the classic triad.",
      "Severe paroxysmal hypertension points to catecholamine excess.")),
    (3, "A 28-year-old woman has a malar rash, arthralgia, oral ulcers and proteinuria. "
        "Which test best confirms the diagnosis?",
     "Anti-double-stranded DNA antibodies", ("Antinuclear antibodies", "Rheumatoid factor",
                                             "Anti-CCP antibodies"),
     ("Malar rash, arthritis, ulcers and renal involvement suggest lupus.",
      "ANA is sensitive but anti-dsDNA is specific and tracks renal disease.")),
    (3, "A 60-year-old has progressive dysphagia to solids then liquids, weight loss and "
        "a long history of reflux. What is the most likely diagnosis?",
     "Oesophageal adenocarcinoma", ("Achalasia", "Oesophageal squamous cell carcinoma",
                                    "Peptic stricture"),
     ("Progressive dysphagia from solids to liquids suggests a mechanical obstruction.",
      "Weight loss makes it malignant; chronic reflux favours adenocarcinoma.")),
    (3, "A 50-year-old alcoholic has confusion, ataxia and nystagmus. What is the "
        "immediate treatment?",
     "Intravenous thiamine", ("Intravenous glucose", "Oral folic acid",
                              "Intravenous lorazepam"),
     ("Confusion, ataxia and ophthalmoplegia form Wernicke encephalopathy.",
      "Thiamine must come first, before glucose can worsen it.")),
    (3, "A 32-year-old has haemoptysis and haematuria with red cell casts and anti-GBM "
        "antibodies. What is the diagnosis?",
     "Goodpasture syndrome", ("Granulomatosis with polyangiitis", "IgA nephropathy",
                              "Systemic lupus erythematosus"),
     ("Lung haemorrhage with glomerulonephritis is a pulmonary-renal syndrome.",
      "Anti-GBM antibodies identify Goodpasture syndrome.")),
    (3, "A 40-year-old has hypertension, hypokalaemia and a suppressed renin. What is "
        "the most likely cause?",
     "Primary hyperaldosteronism", ("Renal artery stenosis", "Cushing syndrome",
                                    "Liddle syndrome"),
     ("Hypertension with low potassium suggests mineralocorticoid excess.",
      "Suppressed renin localizes the excess to the adrenal: Conn syndrome.")),
    (4, "A 25-year-old has recurrent abdominal pain, neuropathy, dark urine and "
        "hyponatraemia after starting an anticonvulsant. What is the diagnosis?",
     "Acute intermittent porphyria", ("Lead poisoning", "Guillain-Barre syndrome",
                                      "Familial Mediterranean fever"),
     ("Abdominal pain with neuropathy and dark urine suggests porphyria.",
      "A drug-triggered attack fits acute intermittent porphyria.")),
    (4, "A 55-year-old has fatigue, bone pain, hypercalcaemia, anaemia and renal "
        "impairment. Which investigation best confirms the diagnosis?",
     "Serum protein electrophoresis with bone marrow biopsy",
     ("Bone scintigraphy", "Parathyroid hormone level", "Vitamin D level"),
     ("Calcium, renal failure, anaemia and bone lesions spell multiple myeloma.",
      "A paraprotein and clonal plasma cells confirm it.")),
    (4, "A 68-year-old has new headache, jaw claudication, scalp tenderness and an ESR "
        "of 95 mm/h. What should be done first?",
     "Start high-dose corticosteroids", ("Temporal artery biopsy before any treatment",
                                         "Start NSAIDs", "Order an MRI of the brain"),
     ("Headache, jaw claudication and a high ESR suggest giant cell arteritis.",
      "Steroids must start at once to protect vision; biopsy can follow.")),
    (4, "A 30-year-old has a prolonged APTT, normal PT and normal platelets, with "
        "recurrent miscarriages. What is the most likely diagnosis?",
     "Antiphospholipid syndrome", ("Haemophilia A", "Von Willebrand disease",
                                   "Factor XII deficiency"),
     ("An isolated prolonged APTT with clotting, not bleeding, history is paradoxical.",
      "Recurrent miscarriage points to a lupus anticoagulant.")),
    (4, "A 45-year-old has flushing, diarrhoea, wheezing and a tricuspid regurgitation "
        "murmur. What is the most likely diagnosis?",
     "Carcinoid syndrome with liver metastases", ("Mastocytosis", "VIPoma",
                                                  "Phaeochromocytoma"),
     ("Flushing with diarrhoea and wheeze suggests serotonin excess.",
      "Right-sided valve disease implies hepatic metastases bypassing clearance.")),
    (5, "A 22-year-old has hypokalaemia, metabolic alkalosis, normal blood pressure and "
        "high urinary calcium. What is the most likely diagnosis?",
     "Bartter syndrome", ("Gitelman syndrome", "Surreptitious vomiting",
                          "Primary hyperaldosteronism"),
     ("Hypokalaemic alkalosis with normal pressure suggests a salt-wasting tubulopathy.",
      "High, not low, urinary calcium separates Bartter from Gitelman.")),
    (5, "A 35-year-old has episodes of weakness with low potassium after carbohydrate "
        "meals and signs of thyrotoxicosis. What is the diagnosis?",
     "Thyrotoxic periodic paralysis", ("Familial hypokalaemic periodic paralysis",
                                       "Myasthenia gravis", "Hyperaldosteronism"),
     ("Episodic paralysis with hypokalaemia after carbohydrates is periodic paralysis.",
      "Coexisting thyrotoxicosis makes it the thyrotoxic form.")),
    (5, "A 60-year-old has progressive dementia, myoclonus and periodic sharp-wave "
        "complexes on EEG over a few months. What is the diagnosis?",
     "Creutzfeldt-Jakob disease", ("Alzheimer disease", "Lewy body dementia",
                                   "Autoimmune encephalitis"),
     ("A dementia progressing over months is rapidly progressive.",
      "Myoclonus with periodic sharp waves is typical of prion disease.")),
    (5, "A 40-year-old has hypoglycaemia with high insulin, low C-peptide and no "
        "insulinoma on imaging. What is the most likely cause?",
     "Exogenous insulin administration", ("Insulinoma", "Sulfonylurea ingestion",
                                          "Insulin autoimmune syndrome"),
     ("Hypoglycaemia with high insulin means insulin excess.",
      "Low C-peptide shows the insulin is not made by the pancreas.")),
    (5, "A 50-year-old has a low serum sodium, low serum osmolality, inappropriately "
        "concentrated urine and euvolaemia after a small-cell lung cancer diagnosis. "
        "What is the mechanism?",
     "Ectopic ADH secretion (SIADH)", ("Cerebral salt wasting", "Adrenal insufficiency",
                                       "Psychogenic polydipsia"),
     ("Hypotonic hyponatraemia with concentrated urine in a euvolaemic patient is SIADH.",
      "Small-cell lung cancer is a classic source of ectopic ADH.")),
)
